import BridgeStore
import Foundation

/// A per-conversation limit on crisp-bridge's writes: at most `limit` writes (a meta PATCH that changed
/// something, a note posted) per session in a sliding `window`. Writing to a conversation makes Crisp send more
/// web hooks; a pipeline that acts on them and writes a changing value (a timestamp, a counter) would loop
/// forever. Past the limit, operations for that session fail for good (dead, with a reason that names the guard,
/// and replayable) instead of writing again. Reads, and writes that change nothing, are not counted.
///
/// The writes are counted in the store (`ConversationWriteLedger`), so the bound holds for all the instances
/// that share it; two instances that check the same conversation at the same instant may each write once more.
struct ConversationGuard: Sendable {
    let limit: Int
    let window: TimeInterval
    let ledger: any ConversationWriteLedger

    /// `limit` 0 turns the guard off.
    init(limit: Int, window: TimeInterval = 600, ledger: any ConversationWriteLedger) {
        self.limit = limit
        self.window = window
        self.ledger = ledger
    }

    /// Whether one more write to `session` is allowed now.
    func allows(_ session: String, now: Date) async throws(BridgeStoreError) -> Bool {
        guard limit > 0 else { return true }
        return try await ledger.conversationWrites(session: session, since: now.addingTimeInterval(-window)) < limit
    }

    /// Counts a write to `session` that happened (and forgets those past the window).
    func record(_ session: String, now: Date) async throws(BridgeStoreError) {
        guard limit > 0 else { return }
        try await ledger.recordConversationWrite(
            session: session, at: now, forgetBefore: now.addingTimeInterval(-window))
    }
}
