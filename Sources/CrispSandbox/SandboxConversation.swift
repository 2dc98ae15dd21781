import BridgeCore

/// A conversation as the sandbox keeps it: its meta (what `GET …/meta` answers) and its messages, oldest first.
struct SandboxConversation: Sendable {
    let sessionID: String
    let createdAt: Double
    /// `nickname`, `email`, `phone`, `segments`, `data`, … as Crisp's meta route shows them.
    var meta: [String: JSONValue]
    var messages: [JSONValue] = []

    init(sessionID: String, createdAt: Double) {
        self.sessionID = sessionID
        self.createdAt = createdAt
        meta = [
            "nickname": .string("visitor" + String(sessionID.suffix(4))), "email": .string(""), "phone": .string(""),
            "address": .string(""), "subject": .string(""), "ip": .string("127.0.0.1"), "avatar": .string(""),
            "origin": "chat", "segments": [], "data": .object([:]),
        ]
    }

    /// Everything kept, for the state file and `GET /_sandbox/conversations`.
    var stored: JSONValue {
        [
            "session_id": .string(sessionID), "created_at": .number(createdAt), "meta": .object(meta),
            "messages": .array(messages),
        ]
    }

    /// A conversation read back from the state file; nil when a required field is missing.
    init?(stored: JSONValue) {
        guard let id = stored["session_id"].stringValue, let created = stored["created_at"].numberValue,
            let meta = stored["meta"].objectValue
        else { return nil }
        sessionID = id
        createdAt = created
        self.meta = meta
        messages = stored["messages"].arrayValue ?? []
    }
}
