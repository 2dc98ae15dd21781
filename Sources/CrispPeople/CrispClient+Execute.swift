import BridgeCore

extension CrispClient {
    /// Runs one planned operation. Data and events for an email without a profile create the profile first
    /// (with the email's local part as nickname), then write.
    public func execute(_ operation: CrispOperation) async throws(CrispError) {
        switch operation {
        case .profile(let upsert):
            _ = try await upsertProfile(upsert)
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
