/// Write a conversation's meta (`crisp.conversation`): custom data merged into what the conversation has, segments
/// added to its own, and its nickname, email and phone set.
///
/// Crisp does not document whether a PATCH of the meta merges `data` or replaces it, so the client reads the meta,
/// merges, and writes the whole map back; nothing is written when the conversation already has every value.
public struct ConversationUpdate: Sendable, Hashable {
    public var sessionID: String
    public var data: [String: JSONValue]
    public var segments: [String]
    public var nickname: String?
    public var email: String?
    public var phone: String?
    /// The website of the conversation when not the configured one (`website_id:`).
    public var websiteID: String? = nil

    public init(
        sessionID: String, data: [String: JSONValue] = [:], segments: [String] = [], nickname: String? = nil,
        email: String? = nil, phone: String? = nil
    ) {
        self.sessionID = sessionID
        self.data = data
        self.segments = segments
        self.nickname = nickname
        self.email = email
        self.phone = phone
    }

    /// Whether it writes nothing.
    public var isEmpty: Bool {
        data.isEmpty && segments.isEmpty && nickname == nil && email == nil && phone == nil
    }

    /// What the meta becomes: `meta` (Crisp's `GET …/meta` answer) with this update applied, as the body of the
    /// PATCH that writes it, or nil when the conversation already has every value.
    public func patch(over meta: JSONValue) -> [String: JSONValue]? {
        var body: [String: JSONValue] = [:]
        let stored = meta["data"].objectValue ?? [:]
        let merged = stored.merging(data) { $1 }
        if merged != stored { body["data"] = .object(merged) }
        let existing = (meta["segments"].arrayValue ?? []).compactMap(\.stringValue)
        let added = segments.filter { !existing.contains($0) }
        if !added.isEmpty { body["segments"] = .array((existing + added).map { .string($0) }) }
        for (key, value) in [("nickname", nickname), ("email", email), ("phone", phone)] {
            if let value, meta[key].stringValue != value { body[key] = .string(value) }
        }
        return body.isEmpty ? nil : body
    }

    var json: JSONValue {
        var o: [String: JSONValue] = ["session_id": .string(sessionID)]
        if !data.isEmpty { o["data"] = .object(data) }
        if !segments.isEmpty { o["segments"] = .array(segments.map { .string($0) }) }
        if let nickname { o["nickname"] = .string(nickname) }
        if let email { o["email"] = .string(email) }
        if let phone { o["phone"] = .string(phone) }
        if let websiteID { o["website_id"] = .string(websiteID) }
        return .object(o)
    }
}
