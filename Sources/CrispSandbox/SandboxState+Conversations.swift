import BridgeCore
import Foundation

extension SandboxState {
    /// Messages a `GET …/messages` answers at most, newest last (Crisp pages back with `timestamp_before`).
    static let messageBatch = 20

    /// Every conversation with its meta and messages, for tests: `GET /_sandbox/conversations`.
    public var conversations: JSONValue {
        storage.withLock { s in
            .array(s.conversations.values.sorted { $0.createdAt < $1.createdAt }.map(\.stored))
        }
    }

    /// Answers a conversation route: `route` is the path after `website/{website_id}/conversation`, split and
    /// percent-decoded (`[]` to start one, `[session, "meta"]`, `[session, "message"]`, `[session, "messages"]`).
    ///
    /// A PATCH of the meta replaces `data` as a whole (Crisp does not document whether it merges): a client that
    /// merges by reading first is right either way, one that does not loses keys here.
    func handleConversation(
        method: String, route: [String], query: [String: String], body: JSONValue?, now: Date = Date()
    ) throws(SandboxError) -> Answer {
        let ms = (now.timeIntervalSince1970 * 1000).rounded()
        defer { if method != "GET" { changed.store(true, ordering: .relaxed) } }
        return try storage.withLock { s throws(SandboxError) -> Answer in
            // "" to start one, else the part after the session id.
            let kind = route.isEmpty ? "" : route.count == 2 ? route[1] : "?"
            switch (kind, method) {
            case ("", "POST"):
                let session = "session_" + UUID().uuidString.lowercased()
                s.conversations[session] = SandboxConversation(sessionID: session, createdAt: ms)
                return Answer(status: 201, reason: "added", data: ["session_id": .string(session)])
            case ("meta", "GET"):
                return Answer(reason: "resolved", data: .object(try Self.conversation(route[0], in: s).meta))
            case ("meta", "PATCH"):
                var conversation = try Self.conversation(route[0], in: s)
                guard case .object(let fields)? = body else { throw .invalidData("the meta must be a JSON object") }
                for (key, value) in fields {
                    if let problem = Self.metaProblem(key, value) { throw .invalidData(problem) }
                    conversation.meta[key] = value
                }
                s.conversations[conversation.sessionID] = conversation
                return Answer(reason: "updated", data: nil)
            case ("message", "POST"):
                var conversation = try Self.conversation(route[0], in: s)
                guard case .object(var message)? = body else { throw .invalidData("the message must be a JSON object") }
                guard let type = message["type"]?.stringValue,
                    ["text", "note", "file", "animation", "audio", "picker", "field", "carousel", "event"].contains(
                        type)
                else {
                    throw .invalidData(
                        "type must be text, note, file, animation, audio, picker, field, carousel or event")
                }
                guard let from = message["from"]?.stringValue, ["user", "operator"].contains(from) else {
                    throw .invalidData("from must be user or operator")
                }
                guard let origin = message["origin"]?.stringValue, origin == "chat" || origin.hasPrefix("urn:") else {
                    throw .invalidData("origin must be chat or urn:…")
                }
                if type == "text" || type == "note" {
                    guard case .string(let content)? = message["content"], !content.isEmpty else {
                        throw .invalidData("content must be non-empty text for a \(type) message")
                    }
                }
                // Unique and increasing, as Crisp's are.
                let fingerprint = Double(conversation.messages.count + 1) + ms * 1000
                message["fingerprint"] = .number(fingerprint)
                message["timestamp"] = .number(ms)
                message["session_id"] = .string(conversation.sessionID)
                conversation.messages.append(.object(message))
                s.conversations[conversation.sessionID] = conversation
                return Answer(status: 202, reason: "dispatched", data: ["fingerprint": .number(fingerprint)])
            case ("messages", "GET"):
                let conversation = try Self.conversation(route[0], in: s)
                var messages = conversation.messages
                if let text = query["timestamp_before"] {
                    guard let before = Double(text) else { throw .invalidData("timestamp_before must be a number") }
                    messages = messages.filter { ($0["timestamp"].numberValue ?? 0) < before }
                }
                return Answer(reason: "resolved", data: .array(Array(messages.suffix(Self.messageBatch))))
            case ("", _), ("meta", _), ("message", _), ("messages", _):
                throw SandboxError(405, "method_not_allowed", "\(method) is not allowed on this route")
            default:
                throw .routeNotFound
            }
        }
    }

    private static func conversation(_ session: String, in s: Storage) throws(SandboxError) -> SandboxConversation {
        guard let conversation = s.conversations[session] else {
            throw SandboxError(404, "session_not_found", "the conversation \(session) does not exist")
        }
        return conversation
    }

    /// What Crisp would refuse in a meta field written by PATCH, or nil.
    private static func metaProblem(_ key: String, _ value: JSONValue) -> String? {
        switch key {
        case "nickname", "address", "subject", "avatar", "ip", "origin":
            return value.stringValue == nil ? "\(key) must be text" : nil
        case "email":
            guard let email = value.stringValue, email.isEmpty || EmailAddress.isValid(email) else {
                return "email must be a valid email address"
            }
            return nil
        case "phone":
            return value.stringValue == nil ? "phone must be text" : nil
        case "segments":
            guard let segments = value.arrayValue, segments.allSatisfy({ $0.stringValue != nil }) else {
                return "segments must be a list of texts"
            }
            return nil
        case "data":
            return CrispRules.dataProblem(value)
        case "device":
            return value.objectValue == nil ? "device must be an object" : nil
        case "connection":
            return "connection cannot be written"
        default:
            return "unknown meta field '\(key)'"
        }
    }
}
