/// A private note for the operators in a conversation (`crisp.note`): posted once, even when delivery is retried.
public struct ConversationNote: Sendable, Hashable {
    public var sessionID: String
    public var text: String
    /// The website of the conversation when not the configured one (`website_id:`).
    public var websiteID: String? = nil

    public init(sessionID: String, text: String) {
        self.sessionID = sessionID
        self.text = text
    }

    var json: JSONValue {
        var o: JSONValue = ["session_id": .string(sessionID), "text": .string(text)]
        if let websiteID { o = .object((o.objectValue ?? [:]).merging(["website_id": .string(websiteID)]) { $1 }) }
        return o
    }
}
