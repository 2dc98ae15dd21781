import BridgeCore
import Foundation

extension CrispClient {
    /// Runs one planned operation; true when it had to create the profile (for `crisp.conversation`: when it
    /// wrote the meta). Data and events for an email without
    /// a profile create the profile first (with the email's local part as nickname), then write. A profile not
    /// `knownToExist` is added without a look first (one request for a new contact; Crisp's `people_exists`
    /// turns it into an update).
    @discardableResult
    public func execute(_ operation: CrispOperation, knownToExist: Bool = true) async throws(CrispError) -> Bool {
        if let website = operation.websiteID, website != configuration.websiteID {
            return try await on(website: website).execute(operation.on(website: nil), knownToExist: knownToExist)
        }
        switch operation {
        case .profile(let upsert):
            if case .created = try await upsertProfile(upsert, createFirst: !knownToExist) { return true }
            return false
        case .segments(let change):
            return try await changeSegments(change)
        case .data(let update):
            return try await creatingProfileIfMissing(update.email) { () async throws(CrispError) in
                try await writeData(update)
            }
        case .event(let event):
            return try await creatingProfileIfMissing(event.email) { () async throws(CrispError) in
                try await addEvent(event)
            }
        case .conversation(let update):
            // For a conversation: whether the meta was written (false when it already held every value).
            return try await updateConversation(update)
        case .note(let note):
            try await postNote(note)
            return false
        case .http(let call):
            // Not Crisp's: the runtime makes the call with its own HTTP client.
            throw CrispError(
                kind: .invalidRequest, reason: "not_crisp",
                message: "\(call.request.method) \(HTTPCall.shownURL(call.request.url)) is not a Crisp call")
        }
    }

    /// Whether a non-idempotent operation already happened at or after `since` (a crash or a lost answer left
    /// it in doubt). Idempotent operations are simply run again: for them this is false.
    public func wasPerformed(_ operation: CrispOperation, since: Date) async throws(CrispError) -> Bool {
        if let website = operation.websiteID, website != configuration.websiteID {
            return try await on(website: website).wasPerformed(operation.on(website: nil), since: since)
        }
        switch operation {
        case .event(let event): return try await hasEvent(event, since: since)
        case .note(let note): return try await hasNote(note, since: since)
        case .profile, .data, .segments, .conversation, .http: return false
        }
    }

    /// Runs `write`; when the profile is missing, creates it and runs `write` again (true then).
    private func creatingProfileIfMissing(
        _ email: String, _ write: () async throws(CrispError) -> Void
    ) async throws(CrispError) -> Bool {
        do {
            try await write()
            return false
        } catch  where error.reason == "people_not_found" {
            _ = try await upsertProfile(ProfileUpsert(email: email))
            try await write()
            return true
        }
    }
}
