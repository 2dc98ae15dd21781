/// A loaded, fully checked pipeline: which webhook triggers it, how events are split, filtered and enriched,
/// and which Crisp actions they become.
public struct Pipeline: Sendable {
    /// Unique across pipelines; defaults to the file name without `.yaml`.
    public let name: String
    public let description: String?
    /// The file it was loaded from, as given.
    public let file: String
    public let trigger: Trigger
    /// How each event's contact is known at intake, so the store keeps its order before any planning; nil when
    /// the contact is known only after a fetch.
    let orderKey: OrderKeyRule?
    /// `always_write: true`: every value is sent to Crisp, even one equal to what crisp-bridge last wrote.
    public let alwaysWrite: Bool
    let fetches: [FetchStep]
    let lets: [LetBinding]
    /// `skip:`: rules checked after the fetches and `let` values; the first that holds stops the event as skipped.
    let skips: [SkipRule]
    let actions: [ActionStep]
    /// How many values an event's frame holds.
    let slotCount: Int
    /// Warnings found while loading (errors stop the load).
    public let warnings: [Diagnostic]
    /// The version: the first 12 hex digits of the SHA-256 of the file's text, so an event can say which
    /// version of its pipeline planned it.
    public internal(set) var version = ""

    /// The names of the enrichment calls, in order.
    public var fetchNames: [String] { fetches.map(\.name) }
}

/// The fixed frame slots every pipeline has; fetch names, `let` names and lambda parameters follow.
enum Slot {
    static let body = 0
    static let event = 1
    static let headers = 2
    static let query = 3
    static let path = 4
    static let env = 5
    static let names = ["body", "event", "headers", "query", "path", "env"]
}

/// What starts a pipeline: a webhook on a path, verified as its sender does it, rows of a CSV file
/// (`trigger.csv`) or items found by polling an API (`trigger.poll`); then split into events and filtered.
public struct Trigger: Sendable {
    /// The webhook's path (empty for a CSV or poll pipeline: it has no route).
    public let path: String
    /// The path with its route parameters (`/hooks/{source}`).
    public let pathPattern: PathPattern
    public let method: String
    /// Whether a request without a body is accepted (its `body` is null); `trigger.webhook.body: optional`, and
    /// by default for GET and DELETE.
    public let bodyOptional: Bool
    public let location: SourceLocation
    /// The sender kind under `verify:`.
    public let sender: any SenderVerifier
    let senderSettings: [(key: String, value: ValueTemplate)]
    /// `trigger.csv`: rows of a file imported with `crisp-bridge import`; nil for a webhook.
    public let csv: CSVTrigger?
    /// `trigger.poll`: an API asked for new items on a schedule; nil for a webhook or CSV pipeline.
    public let poll: PollTrigger?
    let each: CompiledExpression?
    let id: CompiledExpression?
    let when: CompiledExpression?

    /// Whether the pipeline gives this `verify:` setting.
    public func givesSetting(_ key: String) -> Bool { senderSettings.contains { $0.key == key } }
}

/// An enrichment call: a request built from templates, whose JSON answer is bound to `name`.
struct FetchStep: Sendable {
    let name: String
    let slot: Int
    let method: String
    let url: ValueTemplate
    /// The scheme, host and port written in `url`: the only place this fetch may call.
    let origin: FetchOrigin
    let query: [(key: String, value: ValueTemplate)]
    let headers: [(key: String, value: ValueTemplate)]
    let body: ValueTemplate?
    let location: SourceLocation
    /// `auth.oauth2`: the refresh grant whose token signs the call in.
    var oauth2: OAuth2Refresh? = nil
    /// `auth.google_service_account` of a fetch: the key file and scopes whose token signs the call in.
    var serviceAccount: GoogleServiceAccountAuth? = nil

    /// Every template of the call: url, query, headers, body, sign-in.
    var templates: [ValueTemplate] {
        [url] + query.map(\.value) + headers.map(\.value) + (body.map { [$0] } ?? []) + (oauth2?.templates ?? [])
            + (serviceAccount.map { [$0.keyFile] } ?? [])
    }
}

/// A named value computed once per event, in order.
struct LetBinding: Sendable {
    let name: String
    let slot: Int
    let expression: CompiledExpression
}

/// One entry of `skip:`: when `when` holds, the event is skipped (not failed) with `reason`, e.g. a CRM search
/// that found nobody.
struct SkipRule: Sendable {
    let when: CompiledExpression
    /// A template: the reason can name values of the event.
    let reason: ValueTemplate
    let location: SourceLocation
}

/// One entry of `actions:`: a Crisp action with its field templates, or an `http` call.
struct ActionStep: Sendable {
    enum Kind: Sendable {
        case crisp(any CrispAction, fields: ValueTemplate)
        case http(HTTPStep)
    }

    let kind: Kind
    let location: SourceLocation
    /// The action's own `when:`: the action is left out of the plan when it is false (nil: always planned).
    var when: CompiledExpression? = nil
    /// A Crisp action's `website_id:`: the website it writes to (nil, empty or `CRISP_WEBSITE_ID`: the
    /// configured one).
    var website: ValueTemplate? = nil

    /// A Crisp action's field templates (nil for an `http` call).
    var fields: ValueTemplate? {
        if case .crisp(_, let fields) = kind { fields } else { nil }
    }

    /// Every template of the step: its fields and its website.
    var templates: [ValueTemplate] {
        [fields, website].compactMap { $0 }
    }
}

/// The `http` action: a call built from templates like a fetch, run by the worker.
struct HTTPStep: Sendable {
    let call: FetchStep
    /// The header that carries an idempotency key (`idempotency_key:`), if the target supports one.
    let idempotencyHeader: String?
    let serviceAccount: GoogleServiceAccountAuth?

    /// The environment variables the call's templates read: their values are redacted wherever it is shown.
    var environmentNames: [String] {
        var names: [String] = []
        for reference in call.templates.flatMap(\.expressions).flatMap(\.environmentReferences)
        where !names.contains(reference.name) {
            names.append(reference.name)
        }
        return names
    }
}
