import BridgeCore

/// One people profile as the sandbox stores it: the card, custom data, events and subscription.
struct SandboxProfile: Sendable {
    let peopleID: String
    var email: String
    var person: [String: JSONValue] = [:]
    var company: [String: JSONValue] = [:]
    var segments: [String] = []
    var notepad: String?
    var active: Double?
    var createdAt: Double
    var updatedAt: Double
    var data: [String: JSONValue] = [:]
    var events: [JSONValue] = []
    var emailSubscribed = true

    /// The profile as Crisp returns it.
    var json: JSONValue {
        var o: [String: JSONValue] = [
            "people_id": .string(peopleID), "email": .string(email), "person": .object(person),
            "company": .object(company), "segments": .array(segments.map { .string($0) }),
            "active": ["now": false, "last": .number(active ?? updatedAt)], "score": 0,
            "created_at": .number(createdAt), "updated_at": .number(updatedAt),
        ]
        if let notepad { o["notepad"] = .string(notepad) }
        return .object(o)
    }

    /// Writes the given fields of a card. Each given field replaces the stored one (PUT replaces them all).
    mutating func apply(_ card: [String: JSONValue], replacingAll: Bool, at now: Double) {
        if replacingAll {
            person = [:]
            company = [:]
            segments = []
            notepad = nil
        }
        if case .string(let e)? = card["email"] { email = e }
        if case .object(let p)? = card["person"] { person = p.filter { !$0.value.isNull } }
        if case .object(let c)? = card["company"] { company = c.filter { !$0.value.isNull } }
        if case .array(let s)? = card["segments"] { segments = s.compactMap(\.stringValue) }
        if let n = card["notepad"] { notepad = n.stringValue }
        if case .number(let a)? = card["active"] { active = a }
        updatedAt = now
    }
}
