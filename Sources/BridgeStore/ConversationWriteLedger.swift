import Foundation

/// The writes crisp-bridge made to each Crisp conversation (a meta PATCH that changed something, a note
/// posted), kept in the store so that the loop guard (`conversation_writes` per window) holds for every process
/// that shares it, not per instance.
public protocol ConversationWriteLedger: Sendable {
    /// How many writes to `session` were recorded at or after `since`.
    func conversationWrites(session: String, since: Date) async throws(BridgeStoreError) -> Int

    /// Records a write to `session` at `at`, and forgets the writes (of any session) before `forgetBefore`.
    func recordConversationWrite(session: String, at: Date, forgetBefore: Date) async throws(BridgeStoreError)
}
