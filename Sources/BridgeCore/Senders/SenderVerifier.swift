import Foundation

/// How one kind of sender proves a webhook is theirs. One type per sender, registered by name in `SenderRegistry`.
///
/// Verification runs over the raw body bytes and compares secrets and signatures in constant time. Besides the
/// check, a sender may say how its body is shaped (`shapeBody`), answer a set-up request without delivering it
/// (`handshake`), and insist on a particular answer to accepted requests (`acceptedReply`).
public protocol SenderVerifier: Sendable {
    /// The key under `trigger.webhook.verify`, e.g. `hubspot`.
    var name: String { get }
    /// The settings this sender takes under its key, and which of them are required.
    var settings: [String] { get }
    var requiredSettings: [String] { get }
    /// Groups of settings of which the pipeline must give at least one whole group (e.g. `username` and
    /// `password`, or `key`). Empty when `requiredSettings` says it all.
    var alternativeSettings: [[String]] { get }
    /// The dedupe id used when the pipeline gives no `id:` (an expression), or nil for a hash of the body.
    var defaultID: String? { get }
    /// A warning to show when a pipeline loads with this sender and these settings (e.g. that nothing is checked).
    func loadWarning(given: Set<String>) -> String?
    /// Checks the request. `settings` holds the evaluated settings (secrets from the environment).
    func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    /// The body as pipelines see it, from the body parsed by its content type (JSON, form fields or XML).
    func shapeBody(_ body: JSONValue, of request: WebhookRequest) throws(BridgeCoreError) -> JSONValue
    /// Whether `shapeBody` changes the body (a sender that implements it says so): a batch is then never read
    /// element by element (`Pipeline.planBatch`).
    var shapesBody: Bool { get }
    /// A set-up request the sender sends before real events (Notion's verification token): answered at once,
    /// never verified, never delivered.
    func handshake(_ request: WebhookRequest) -> SenderHandshake?
    /// Whether verification may use secrets kept from handshakes (`VerificationContext.handshakeSecrets`).
    var usesHandshakeSecrets: Bool { get }
    /// The answer the sender requires for a request that was stored (Salesforce's SOAP `Ack`); nil for the
    /// bridge's own JSON answer.
    var acceptedReply: SenderReply? { get }
    /// The status of the bridge's own JSON answer to a stored request when the sender wants one other than 202
    /// (Crisp's hooks: 200); nil for 202.
    var acceptedStatus: Int? { get }
    /// The headers and query parameters that carry a secret with these settings (beyond those named like
    /// credentials), removed before a request is stored, recorded or logged.
    func secretNames(settings: [String: JSONValue]) -> SenderSecretNames
    /// What is wrong with a setting written literally in the pipeline (checked at load), or nil.
    func settingProblem(_ key: String, _ value: JSONValue) -> String?
    /// What is wrong with the settings together (checked at load): `literal` holds those written literally,
    /// `given` the names of all that are given.
    func settingsProblem(literal: [String: JSONValue], given: Set<String>) -> String?
    /// The body as it may be stored and recorded: credentials the sender puts in its body removed (Salesforce's
    /// session id). The worker never verifies again, so the stored bytes need not be the signed ones.
    func redactBody(_ body: Data) -> Data
}

extension SenderVerifier {
    public var alternativeSettings: [[String]] { [] }
    public var defaultID: String? { nil }
    public func loadWarning(given: Set<String>) -> String? { nil }
    public func shapeBody(_ body: JSONValue, of request: WebhookRequest) throws(BridgeCoreError) -> JSONValue { body }
    public var shapesBody: Bool { false }
    public func handshake(_ request: WebhookRequest) -> SenderHandshake? { nil }
    public var usesHandshakeSecrets: Bool { false }
    public var acceptedReply: SenderReply? { nil }
    public var acceptedStatus: Int? { nil }
    public func secretNames(settings: [String: JSONValue]) -> SenderSecretNames { SenderSecretNames() }
    public func settingProblem(_ key: String, _ value: JSONValue) -> String? { nil }
    public func settingsProblem(literal: [String: JSONValue], given: Set<String>) -> String? { nil }
    public func redactBody(_ body: Data) -> Data { body }
}

/// Headers and query parameters whose values are a sender's secret.
public struct SenderSecretNames: Sendable, Hashable {
    public var headers: [String]
    public var queryParameters: [String]

    public init(headers: [String] = [], queryParameters: [String] = []) {
        self.headers = headers
        self.queryParameters = queryParameters
    }
}

/// What a verifier may need besides the request.
public struct VerificationContext: Sendable {
    /// The time to measure replay windows against: the request's receipt time, or a test's pinned time.
    public var now: Date
    /// The public base URL the sender calls (`--public-url`), for senders that sign the URL.
    public var publicURL: String?
    /// Secrets a sender handed over in an earlier handshake (Notion's verification token), newest first.
    public var handshakeSecrets: [String]

    public init(now: Date, publicURL: String? = nil, handshakeSecrets: [String] = []) {
        self.now = now
        self.publicURL = publicURL
        self.handshakeSecrets = handshakeSecrets
    }
}

/// A set-up request answered without delivery, and the secret it handed over (to keep, never to log).
public struct SenderHandshake: Sendable, Hashable {
    /// The secret to keep for later verifications, if the sender sent one.
    public var secret: String?
    /// What to tell the operator (never the secret itself).
    public var message: String
    public var reply: SenderReply
}

/// An HTTP answer a sender requires.
public struct SenderReply: Sendable, Hashable {
    public var status: Int
    public var contentType: String
    public var body: String
}

extension [String: JSONValue] {
    /// A required text setting; a missing one is a verification failure naming the setting.
    func requiredText(_ key: String, sender: String) throws(BridgeCoreError) -> String {
        guard case .string(let s)? = self[key], !s.isEmpty else {
            throw BridgeCoreError(
                .verification, "\(sender): setting '\(key)' is empty (is its environment variable set?)")
        }
        return s
    }

    /// The non-empty texts of a setting that takes one secret or a list of them (rotation: any may match).
    func texts(_ key: String) -> [String] {
        switch self[key] {
        case .string(let s)? where !s.isEmpty: [s]
        case .number(let n)?: [JSONValue.format(number: n)]
        case .array(let items)?:
            items.compactMap { item in
                switch item {
                case .string(let s) where !s.isEmpty: s
                case .number(let n): JSONValue.format(number: n)
                default: nil
                }
            }
        default: []
        }
    }

    /// Like `texts`, but at least one is required: none is a verification failure naming the setting.
    func requiredTexts(_ key: String, sender: String) throws(BridgeCoreError) -> [String] {
        let values = texts(key)
        guard !values.isEmpty else {
            throw BridgeCoreError(
                .verification, "\(sender): setting '\(key)' is empty (is its environment variable set?)")
        }
        return values
    }
}
