/// A private note for the operators in a conversation (`crisp.note`): posted once, even when delivery is retried.
public struct ConversationNote: Sendable, Hashable {
    public var sessionID: String
    public var text: String

    public init(sessionID: String, text: String) {
        self.sessionID = sessionID
        self.text = text
    }

    var json: JSONValue { ["session_id": .string(sessionID), "text": .string(text)] }
}
