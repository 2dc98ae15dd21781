/// `verify: none`: accepts every request. Allowed, but said out loud when the pipeline loads.
public struct NoneVerifier: SenderVerifier {
    public init() {}
    public var name: String { "none" }
    public var settings: [String] { [] }
    public var requiredSettings: [String] { [] }
    public func loadWarning(given: Set<String>) -> String? {
        "verify: none accepts requests from anyone who knows the URL; use a sender's signature or basic/header auth"
    }
    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {}
}
