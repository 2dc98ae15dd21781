/// Crisp's rules for what the people API accepts, shared by the plan checks and the sandbox.
///
/// Each check returns nil when the value is acceptable, or a short reason (as Crisp's `invalid_data` would
/// come with) naming the offending field.
public enum CrispRules {
    /// Crisp's event colours.
    public static let eventColors = FieldSchema.colors
    /// At most this many characters of event text.
    public static let maxEventText = EventAction.maxText
    /// At most this many keys of event data.
    public static let maxEventDataKeys = EventAction.maxDataKeys

    /// A profile card (`POST`/`PUT`/`PATCH` of a profile): Crisp's profile shape, a valid `email` when given.
    public static func profileCardProblem(_ card: JSONValue, requireEmail: Bool) -> String? {
        guard case .object(let fields) = card else { return "the profile must be an object" }
        if let email = fields["email"] {
            guard case .string(let text) = email, EmailAddress.isValid(text) else { return "email is not valid" }
        } else if requireEmail {
            return "email is required"
        }
        var warnings: [String] = []
        do {
            _ = try FieldSchema.object(ProfileAction.schema).validate(
                card.removingNulls, path: "profile", template: nil, at: SourceLocation(file: "", line: 0, column: 0),
                warnings: &warnings)
        } catch {
            return error.message
        }
        return nil
    }

    /// Custom data (`{"data": {…}}` of a data write): keys `^[a-zA-Z0-9_-]{1,50}$`, values text, number or boolean.
    public static func dataProblem(_ data: JSONValue) -> String? {
        guard case .object(let members) = data else { return "data must be an object" }
        for (key, value) in members {
            if !CustomDataKey.isValidIgnoringCase(key) { return "data key '\(key)' is not valid" }
            if !value.isScalarData { return "data value of '\(key)' must be a string, number or boolean" }
        }
        return nil
    }

    /// An event (`{text, data?, color?}`).
    public static func eventProblem(_ event: JSONValue) -> String? {
        guard case .object(let fields) = event else { return "the event must be an object" }
        guard case .string(let text)? = fields["text"], !text.isEmpty else { return "text is required" }
        if text.count > maxEventText { return "text is longer than \(maxEventText) characters" }
        if let data = fields["data"] {
            if let problem = dataProblem(data) { return problem }
            if (data.objectValue?.count ?? 0) > maxEventDataKeys {
                return "data has more than \(maxEventDataKeys) keys"
            }
        }
        if let color = fields["color"] {
            guard case .string(let c) = color, eventColors.contains(c) else { return "color is not a Crisp colour" }
        }
        for key in fields.keys where !["text", "data", "color"].contains(key) { return "unknown field '\(key)'" }
        return nil
    }
}
