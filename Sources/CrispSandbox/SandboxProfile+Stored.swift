import BridgeCore

extension SandboxProfile {
    /// Everything the sandbox keeps of the profile, for its state file.
    var stored: JSONValue {
        var o: [String: JSONValue] = [
            "people_id": .string(peopleID), "email": .string(email), "person": .object(person),
            "company": .object(company), "segments": .array(segments.map { .string($0) }),
            "created_at": .number(createdAt), "updated_at": .number(updatedAt), "data": .object(data),
            "events": .array(events), "email_subscribed": .bool(emailSubscribed),
        ]
        if let notepad { o["notepad"] = .string(notepad) }
        if let active { o["active"] = .number(active) }
        return .object(o)
    }

    /// A profile read back from the state file; nil when a required field is missing.
    init?(stored: JSONValue) {
        guard let id = stored["people_id"].stringValue, let email = stored["email"].stringValue,
            let created = stored["created_at"].numberValue, let updated = stored["updated_at"].numberValue
        else { return nil }
        self.init(peopleID: id, email: email, createdAt: created, updatedAt: updated)
        person = stored["person"].objectValue ?? [:]
        company = stored["company"].objectValue ?? [:]
        segments = (stored["segments"].arrayValue ?? []).compactMap(\.stringValue)
        notepad = stored["notepad"].stringValue
        active = stored["active"].numberValue
        data = stored["data"].objectValue ?? [:]
        events = stored["events"].arrayValue ?? []
        if case .bool(let subscribed) = stored["email_subscribed"] { emailSubscribed = subscribed }
    }
}
