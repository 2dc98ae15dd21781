/// One planned call to Crisp's people API: what an action produces for one event, checked against Crisp's rules.
public enum CrispOperation: Sendable, Hashable {
    case profile(ProfileUpsert)
    case data(DataUpdate)
    case segments(SegmentsUpdate)
    case event(ProfileEvent)
    case conversation(ConversationUpdate)
    case note(ConversationNote)
    /// The `http` action: a call to another system's API.
    case http(HTTPCall)

    /// The action name, e.g. `crisp.profile`.
    public var actionName: String {
        switch self {
        case .profile: "crisp.profile"
        case .data: "crisp.data"
        case .segments: "crisp.segments"
        case .event: "crisp.event"
        case .conversation: "crisp.conversation"
        case .note: "crisp.note"
        case .http: "http"
        }
    }

    /// Who the operation is about: the runtime keeps the order of each subject's operations.
    public var subject: CrispSubject {
        switch self {
        case .profile(let p): .contact(email: p.email, website: p.websiteID)
        case .data(let d): .contact(email: d.email, website: d.websiteID)
        case .segments(let s): .contact(email: s.email, website: s.websiteID)
        case .event(let e): .contact(email: e.email, website: e.websiteID)
        case .conversation(let c): .conversation(sessionID: c.sessionID, website: c.websiteID)
        case .note(let n): .conversation(sessionID: n.sessionID, website: n.websiteID)
        case .http(let h): .endpoint(origin: h.request.origin?.description ?? h.request.url)
        }
    }

    /// Whether running the operation twice has the effect of running it once. A Crisp event or a note does not:
    /// it is never retried without first looking whether it happened (`CrispClient.wasPerformed`).
    public var isIdempotent: Bool {
        switch self {
        case .event, .note: false
        case .http(let h): h.idempotencyHeader != nil
        case .profile, .data, .segments, .conversation: true
        }
    }

    /// Whether it may be sent again when a crash or a lost answer left it in doubt (`DeliveryLifecycle`).
    public var repeatability: OperationRepeat {
        switch self {
        case .event, .note: .afterLook
        case .http(let h): h.idempotencyHeader != nil ? .safe : .never
        case .profile, .data, .segments, .conversation: .safe
        }
    }

    /// The key whose events go out in the order received: the contact's email or the conversation's
    /// `session:ID`. Nil for an `http` call: another system's API is no subject to keep an order for (a
    /// pipeline that needs one declares `order_key:`), so one failing call does not hold every later event.
    public var orderSubject: String? {
        if case .endpoint = subject { nil } else { subject.key }
    }

    /// The profile this operation is about, or nil for a conversation operation.
    public var email: String? {
        if case .contact(let email, _) = subject { email } else { nil }
    }

    /// The Crisp website it writes to when not the configured one (`website_id:` of the action: a plugin token
    /// serves every website that installed the plugin); nil for the configured website and for `http`.
    public var websiteID: String? {
        switch self {
        case .profile(let p): p.websiteID
        case .data(let d): d.websiteID
        case .segments(let s): s.websiteID
        case .event(let e): e.websiteID
        case .conversation(let c): c.websiteID
        case .note(let n): n.websiteID
        case .http: nil
        }
    }

    /// The same operation for website `id` (nil: the configured one); an `http` call stays as it is.
    public func on(website id: String?) -> CrispOperation {
        switch self {
        case .profile(var p):
            p.websiteID = id
            return .profile(p)
        case .data(var d):
            d.websiteID = id
            return .data(d)
        case .segments(var s):
            s.websiteID = id
            return .segments(s)
        case .event(var e):
            e.websiteID = id
            return .event(e)
        case .conversation(var c):
            c.websiteID = id
            return .conversation(c)
        case .note(var n):
            n.websiteID = id
            return .note(n)
        case .http:
            return self
        }
    }

    /// The fields as test files write them, e.g. `{email, person: {nickname}, segments: […]}`.
    public var fields: JSONValue {
        switch self {
        case .profile(let p): p.json
        case .data(let d): d.json
        case .segments(let s): s.json
        case .event(let e): e.json
        case .conversation(let c): c.json
        case .note(let n): n.json
        case .http(let h): h.json
        }
    }

    /// `{"crisp.profile": {…}}`: the shape of expectations in test files and of `plan` output.
    public var json: JSONValue { .object([actionName: fields]) }

    /// Appends `json.jsonText` as UTF-8 to `out`; the contact operations without building their JSON first.
    public func writeJSON(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        JSONValue.writeString(actionName, to: &out)
        out.append(UInt8(ascii: ":"))
        switch self {
        case .profile(let p): p.writeJSON(to: &out)
        case .data(let d): d.writeJSON(to: &out)
        case .segments(let s): s.writeJSON(to: &out)
        case .event(let e): e.writeJSON(to: &out)
        case .conversation, .note, .http: fields.writeJSON(to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

/// What a Crisp operation is about.
public enum CrispSubject: Sendable, Hashable {
    /// A contact (people profile), by email, of the configured website or of `website`.
    case contact(email: String, website: String? = nil)
    /// A conversation, by session id, of the configured website or of `website`.
    case conversation(sessionID: String, website: String? = nil)
    /// Another system's API (`http`), by its origin: its calls go out in the order received.
    case endpoint(origin: String)

    /// The key its operations keep their order by, and what crisp-bridge remembers writing is kept under: the
    /// email, `session:ID` or `http:ORIGIN`; for another website than the configured one, `website:ID ` first.
    public var key: String {
        switch self {
        case .contact(let email, let website): Self.prefix(website) + email
        case .conversation(let session, let website): Self.prefix(website) + "session:" + session
        case .endpoint(let origin): "http:" + origin
        }
    }

    private static func prefix(_ website: String?) -> String {
        website.map { "website:\($0) " } ?? ""
    }

    /// The website an action's `website_id` names, or nil for the configured one (`CRISP_WEBSITE_ID` in
    /// `environment`): empty, null and the configured id all mean the configured website.
    static func website(_ value: JSONValue?, environment: JSONValue) -> String? {
        guard case .string(let text)? = value, case let id = text.trimmed, !id.isEmpty,
            id != environment["CRISP_WEBSITE_ID"].stringValue
        else { return nil }
        return id
    }
}

/// Create the profile for `email`, or update it: given fields overwrite, `company` merges, segments are added.
public struct ProfileUpsert: Sendable, Hashable, OrderedJSONObject {
    public var email: String
    /// The website written to when not the configured one (`website_id:`).
    public var websiteID: String? = nil
    public var person: [String: JSONValue]?
    public var company: [String: JSONValue]?
    public var segments: [String]
    public var notepad: String?
    public var active: Double?

    public init(
        email: String, person: [String: JSONValue]? = nil, company: [String: JSONValue]? = nil, segments: [String] = [],
        notepad: String? = nil, active: Double? = nil
    ) {
        self.email = email
        self.person = person
        self.company = company
        self.segments = segments
        self.notepad = notepad
        self.active = active
    }

    func forEachMember(_ body: (String, JSONValue) -> Void) {
        if let active { body("active", .number(active)) }
        if let company { body("company", .object(company)) }
        body("email", .string(email))
        if let notepad { body("notepad", .string(notepad)) }
        if let person { body("person", .object(person)) }
        if !segments.isEmpty { body("segments", .array(segments.map { .string($0) })) }
        if let websiteID { body("website_id", .string(websiteID)) }
    }
}

/// Write custom data: merged into the stored keys (PATCH) or replacing them (PUT); then `unset` keys removed.
public struct DataUpdate: Sendable, Hashable, OrderedJSONObject {
    public enum Mode: String, Sendable, Hashable {
        case merge
        case replace
    }

    public var email: String
    /// The website written to when not the configured one (`website_id:`).
    public var websiteID: String? = nil
    public var mode: Mode
    public var data: [String: JSONValue]
    public var unset: [String]

    public init(email: String, mode: Mode, data: [String: JSONValue], unset: [String] = []) {
        self.email = email
        self.mode = mode
        self.data = data
        self.unset = unset
    }

    func forEachMember(_ body: (String, JSONValue) -> Void) {
        body("email", .string(email))
        if mode == .replace || !data.isEmpty { body(mode.rawValue, .object(data)) }
        if !unset.isEmpty { body("unset", .array(unset.map { .string($0) })) }
        if let websiteID { body("website_id", .string(websiteID)) }
    }
}

/// Add segments to, or remove them from, the profile's existing segments.
public struct SegmentsUpdate: Sendable, Hashable, OrderedJSONObject {
    public var email: String
    /// The website written to when not the configured one (`website_id:`).
    public var websiteID: String? = nil
    public var add: [String]
    public var remove: [String]

    public init(email: String, add: [String] = [], remove: [String] = []) {
        self.email = email
        self.add = add
        self.remove = remove
    }

    func forEachMember(_ body: (String, JSONValue) -> Void) {
        if !add.isEmpty { body("add", .array(add.map { .string($0) })) }
        body("email", .string(email))
        if !remove.isEmpty { body("remove", .array(remove.map { .string($0) })) }
        if let websiteID { body("website_id", .string(websiteID)) }
    }
}

/// Add an event to the profile's timeline. Posted exactly once, even when delivery is retried.
public struct ProfileEvent: Sendable, Hashable, OrderedJSONObject {
    public var email: String
    /// The website written to when not the configured one (`website_id:`).
    public var websiteID: String? = nil
    public var text: String
    public var data: [String: JSONValue]
    public var color: String?

    public init(email: String, text: String, data: [String: JSONValue] = [:], color: String? = nil) {
        self.email = email
        self.text = text
        self.data = data
        self.color = color
    }

    func forEachMember(_ body: (String, JSONValue) -> Void) {
        if let color { body("color", .string(color)) }
        if !data.isEmpty { body("data", .object(data)) }
        body("email", .string(email))
        body("text", .string(text))
        if let websiteID { body("website_id", .string(websiteID)) }
    }
}
