import Foundation

/// What a transform runs with besides the request: the environment, the fetcher, and verification settings.
public struct TransformContext: Sendable {
    /// The values of `env.NAME` (and the secrets of `verify:`).
    public var environment: [String: String] {
        didSet { environmentValue = Self.object(environment) }
    }
    public var fetcher: any Fetcher
    /// Whether to check the sender's signature (off for `plan --body`, which has no signature to check).
    public var verifySignatures: Bool
    /// Whether intake computes each event's order key (a dry run that stores nothing needs none).
    public var orderKeys = true
    /// The time to check signature windows against; nil means when the request was received.
    public var now: Date?
    /// The public base URL senders call, for senders that sign the URL.
    public var publicURL: String?
    /// The headers and query parameters that carry the pipeline's sender secret (`Pipeline.secretNames`):
    /// redacted before planning, as `serve` stores requests.
    public var secretNames = SenderSecretNames()
    /// Secrets the pipeline's sender handed over in handshakes (Notion's verification token), newest first.
    public var handshakeSecrets: [String] = []
    private(set) var environmentValue: JSONValue

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment, fetcher: any Fetcher = RecordedFetcher(),
        verifySignatures: Bool = true, now: Date? = nil, publicURL: String? = nil
    ) {
        self.environment = environment
        self.fetcher = fetcher
        self.verifySignatures = verifySignatures
        self.now = now
        self.publicURL = publicURL
        self.environmentValue = Self.object(environment)
    }

    private static func object(_ env: [String: String]) -> JSONValue {
        .object(env.mapValues { .string($0) })
    }
}

extension TransformContext: CustomStringConvertible, CustomDebugStringConvertible {
    /// Names the settings but no value of the environment (it holds the senders' secrets).
    public var description: String {
        "TransformContext(environment: \(environment.count) variable(s), redacted, verifySignatures: \(verifySignatures), "
            + "handshakeSecrets: \(handshakeSecrets.count), redacted)"
    }
    public var debugDescription: String { description }
}
