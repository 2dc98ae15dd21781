import Foundation

/// How one kind of sender proves a webhook is theirs. One type per sender, registered by name in `SenderRegistry`.
///
/// Verification runs over the raw body bytes and compares secrets and signatures in constant time.
public protocol SenderVerifier: Sendable {
    /// The key under `trigger.webhook.verify`, e.g. `hubspot`.
    var name: String { get }
    /// The settings this sender takes under its key, and which of them are required.
    var settings: [String] { get }
    var requiredSettings: [String] { get }
    /// The dedupe id used when the pipeline gives no `id:` (an expression), or nil for a hash of the body.
    var defaultID: String? { get }
    /// A warning to show when a pipeline loads with this sender (e.g. that nothing is checked).
    var loadWarning: String? { get }
    /// Checks the request. `settings` holds the evaluated settings (secrets from the environment).
    func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
}

extension SenderVerifier {
    public var defaultID: String? { nil }
    public var loadWarning: String? { nil }
}

/// What a verifier may need besides the request.
public struct VerificationContext: Sendable {
    /// The time to measure replay windows against: the request's receipt time, or a test's pinned time.
    public var now: Date
    /// The public base URL the sender calls (`--public-url`), for senders that sign the URL.
    public var publicURL: String?

    public init(now: Date, publicURL: String? = nil) {
        self.now = now
        self.publicURL = publicURL
    }
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
}
