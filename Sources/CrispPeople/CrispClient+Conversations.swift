import AsyncHTTPClient
import BridgeCore
import Foundation

extension CrispClient {
    /// The nickname crisp-bridge's notes are posted under, so that operators see who wrote them and a hook caused
    /// by one can be told apart from an operator's (`CrispEcho`).
    public static let noteAuthor = CrispEcho.noteAuthor

    /// The path of a conversation route: `website/{website_id}/conversation/{session_id}/…`, percent-encoded.
    func conversationPath(_ sessionID: String, _ parts: String...) -> String {
        (["website", configuration.websiteID, "conversation", sessionID] + parts).map(Self.encodePathSegment)
            .joined(separator: "/")
    }

    /// Starts a new conversation; its session id.
    public func createConversation() async throws(CrispError) -> String {
        let path = ["website", configuration.websiteID, "conversation"].map(Self.encodePathSegment)
            .joined(separator: "/")
        guard let session = try await call(.POST, path).data?["session_id"].stringValue else {
            throw CrispError(
                kind: .invalidResponse, reason: "invalid_response", message: "the answer has no data.session_id")
        }
        return session
    }

    /// The conversation's meta: `nickname`, `email`, `phone`, `segments`, `data`, … (404 `session_not_found` for an
    /// unknown session).
    public func conversationMeta(_ sessionID: String) async throws(CrispError) -> JSONValue {
        try await call(.GET, conversationPath(sessionID, "meta")).data ?? .object([:])
    }

    /// Writes meta fields as given (PATCH).
    public func updateConversationMeta(_ sessionID: String, _ fields: [String: JSONValue]) async throws(CrispError) {
        _ = try await call(.PATCH, conversationPath(sessionID, "meta"), body: .object(fields))
    }

    /// Writes a planned conversation update: the meta is read, the data merged and the segments added locally,
    /// and the whole `data` map written back, so keys set by someone else survive whether Crisp's PATCH merges
    /// `data` or replaces it. Nothing is written when the conversation already has every value (so a pipeline
    /// triggered by the hooks its own writes cause settles instead of writing forever). True when it wrote.
    @discardableResult
    public func updateConversation(_ update: ConversationUpdate) async throws(CrispError) -> Bool {
        let meta = try await conversationMeta(update.sessionID)
        guard let patch = update.patch(over: meta) else { return false }
        try await updateConversationMeta(update.sessionID, patch)
        return true
    }

    /// Posts a private note, once: Crisp has no idempotency key, so when an answer is lost the conversation's
    /// messages since `since` (default: now) are looked at before the note is posted again.
    public func postNote(_ note: ConversationNote, since: Date? = nil) async throws(CrispError) {
        let body: JSONValue = [
            "type": "note", "from": "operator", "origin": "chat", "content": .string(note.text),
            "user": ["nickname": .string(Self.noteAuthor)],
        ]
        let since = since ?? Date()
        _ = try await call(.POST, conversationPath(note.sessionID, "message"), body: body) {
            () async throws(CrispError) in
            try await self.hasNote(note, since: since.addingTimeInterval(-1))
        }
    }

    /// Whether the conversation has this note (same text, a note from an operator) posted at or after `since`.
    /// Messages are read newest batch first, going back with `timestamp_before` while they are newer than `since`
    /// (at most 20 batches).
    public func hasNote(_ note: ConversationNote, since: Date) async throws(CrispError) -> Bool {
        let sinceMS = (since.timeIntervalSince1970 * 1000).rounded(.down)
        var before: Double?
        for _ in 1...20 {
            let batch: [JSONValue]
            do {
                batch = try await messages(note.sessionID, before: before)
            } catch  where error.reason == "session_not_found" {
                return false
            }
            for message in batch where (message["timestamp"].numberValue ?? .infinity) >= sinceMS {
                // A note by someone else with the same words is not this one (when Crisp names the author).
                if message["type"].stringValue == "note", message["content"].stringValue == note.text,
                    (message["user"]["nickname"].stringValue ?? Self.noteAuthor) == Self.noteAuthor
                {
                    return true
                }
            }
            let oldest = batch.compactMap { $0["timestamp"].numberValue }.min()
            guard let oldest, oldest >= sinceMS, oldest != before else { return false }
            before = oldest
        }
        return false
    }

    /// A batch of the conversation's messages (Crisp's most recent ones, or those before `before`, in ms).
    public func messages(_ sessionID: String, before: Double? = nil) async throws(CrispError) -> [JSONValue] {
        var path = conversationPath(sessionID, "messages")
        if let before { path += "?timestamp_before=" + JSONValue.format(number: before) }
        return try await call(.GET, path).data?.arrayValue ?? []
    }
}
