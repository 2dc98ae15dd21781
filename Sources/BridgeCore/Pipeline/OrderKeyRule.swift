/// How an event's order key — the contact whose events must reach Crisp in the order received — is computed at
/// intake, before any fetch: the pipeline's `order_key:` expression, or else the first action's `email` (or, for a
/// conversation action, its `session_id`) when it depends only on the request, the event and `let` values that need
/// no fetch.
enum OrderKeyRule: Sendable {
    /// `order_key:` as written.
    case expression(CompiledExpression)
    /// The first action's email template (and `website_id`, when it has one), and the fetch-free `let` values
    /// they need, in order.
    case email(ValueTemplate, website: ValueTemplate?, lets: [LetBinding])
    /// The first action's `session_id` template (a conversation action), its `website_id`, and the `let` values
    /// they need: the key is `session:ID`, as `CrispSubject` names a conversation.
    case session(ValueTemplate, website: ValueTemplate?, lets: [LetBinding])

    /// The rule for the first action's email (or session id), or nil when it needs a fetch (or there is no action).
    static func email(of actions: [ActionStep], lets: [LetBinding], fetchSlots: Set<Int>) -> OrderKeyRule? {
        guard let step = actions.first, let first = step.fields else { return nil }
        let conversation = first.member("session_id") != nil
        guard let template = first.member(conversation ? "session_id" : "email") else { return nil }
        let website = step.website
        // The `let` values that depend on a fetch, directly or through an earlier `let`.
        var late = fetchSlots
        for binding in lets where !binding.expression.root.slotsRead.isDisjoint(with: late) {
            late.insert(binding.slot)
        }
        var needed = template.slotsRead.union(website?.slotsRead ?? [])
        guard needed.isDisjoint(with: late) else { return nil }
        // The `let` values the email reads, and the ones those read, kept in their order.
        for binding in lets.reversed() where needed.contains(binding.slot) {
            needed.formUnion(binding.expression.root.slotsRead)
        }
        let needs = lets.filter { needed.contains($0.slot) }
        return conversation
            ? .session(template, website: website, lets: needs) : .email(template, website: website, lets: needs)
    }

    /// The key of the event in `frame` (the request's values and the event), or nil when it cannot be known
    /// (an error, `null`, or not a valid email).
    func key(_ frame: inout [JSONValue]) -> String? {
        switch self {
        case .expression(let expression):
            switch try? expression.evaluate(&frame) {
            case .string(let s)? where !s.isEmpty: return s
            case .number(let n)?: return JSONValue.format(number: n)
            default: return nil
            }
        case .email(let template, let website, let lets):
            guard case .string(let email)? = Self.text(template, after: lets, &frame), EmailAddress.isValid(email)
            else { return nil }
            return CrispSubject.contact(email: email, website: Self.website(website, &frame)).key
        case .session(let template, let website, let lets):
            guard case .string(let session)? = Self.text(template, after: lets, &frame), !session.trimmed.isEmpty
            else { return nil }
            return CrispSubject.conversation(sessionID: session.trimmed, website: Self.website(website, &frame)).key
        }
    }

    /// The website the first action names (its `let` values are in `frame` by then), as the plan will.
    private static func website(_ template: ValueTemplate?, _ frame: inout [JSONValue]) -> String? {
        guard let template else { return nil }
        return CrispSubject.website(try? template.evaluate(&frame), environment: frame[Slot.env])
    }

    /// `template`'s value once the `let` values it needs are in `frame`; nil when one of them fails.
    private static func text(_ template: ValueTemplate, after lets: [LetBinding], _ frame: inout [JSONValue])
        -> JSONValue?
    {
        for binding in lets {
            guard let value = try? binding.expression.evaluate(&frame) else { return nil }
            frame[binding.slot] = value
        }
        return try? template.evaluate(&frame)
    }

    /// Whether the key is the contact's email (then it is also the event's contact before planning).
    var isEmail: Bool {
        if case .email = self { true } else { false }
    }
}
