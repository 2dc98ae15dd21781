import BridgeCore
import Foundation

extension CrispClient {
    /// Runs one planned operation. Data and events for an email without a profile create the profile first
    /// (with the email's local part as nickname), then write. A profile not `knownToExist` is added without a
    /// look first (one request for a new contact; Crisp's `people_exists` turns it into an update).
    public func execute(_ operation: CrispOperation, knownToExist: Bool = true) async throws(CrispError) {
        switch operation {
        case .profile(let upsert):
            _ = try await upsertProfile(upsert, createFirst: !knownToExist)
        case .segments(let change):
            try await changeSegments(change)
        case .data(let update):
            try await creatingProfileIfMissing(update.email) { () async throws(CrispError) in
                try await writeData(update)
            }
        case .event(let event):
            try await creatingProfileIfMissing(event.email) { () async throws(CrispError) in try await addEvent(event) }
        }
    }

    /// Whether a non-idempotent operation already happened at or after `since` (a crash or a lost answer left
    /// it in doubt). Idempotent operations are simply run again: for them this is false.
    public func wasPerformed(_ operation: CrispOperation, since: Date) async throws(CrispError) -> Bool {
        switch operation {
        case .event(let event): try await hasEvent(event, since: since)
        case .profile, .data, .segments: false
        }
    }

    private func creatingProfileIfMissing(
        _ email: String, _ write: () async throws(CrispError) -> Void
    ) async throws(CrispError) {
        do {
            try await write()
        } catch  where error.reason == "people_not_found" {
            _ = try await upsertProfile(ProfileUpsert(email: email))
            try await write()
        }
    }
}
