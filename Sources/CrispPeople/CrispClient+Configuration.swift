import Foundation

extension CrispClient {
    /// Where Crisp is and who the bridge is to it. Its description leaves the key out.
    public struct Configuration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
        /// The API base URL. Default `https://api.crisp.chat/v1/`; the sandbox's is `http://127.0.0.1:8181/v1/`.
        public var baseURL: String
        /// The website whose people are written.
        public var websiteID: String
        /// The token identifier and key, sent as HTTP Basic auth.
        public var identifier: String
        public var key: String
        /// `X-Crisp-Tier`: `plugin` (default), `website` or `user`.
        public var tier: String
        /// Time to connect. Default 5 s.
        public var connectTimeout: Duration
        /// Time for a whole request and answer. Default 10 s (Crisp's own clients use 5 to 10 s).
        public var requestTimeout: Duration
        /// Retries within one call. Default `.standard`.
        public var retry: RetryPolicy
        /// Sent as `User-Agent`.
        public var userAgent: String

        public init(
            baseURL: String = "https://api.crisp.chat/v1/", websiteID: String, identifier: String, key: String,
            tier: String = "plugin", connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(10),
            retry: RetryPolicy = .standard, userAgent: String = "crisp-bridge/0.1.0"
        ) {
            self.baseURL = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
            self.websiteID = websiteID
            self.identifier = identifier
            self.key = key
            self.tier = tier
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.retry = retry
            self.userAgent = userAgent
        }

        public var description: String {
            "Crisp at \(baseURL) for website \(websiteID), token \(identifier) (key redacted), tier \(tier)"
        }

        public var debugDescription: String { description }

        /// From `CRISP_WEBSITE_ID`, `CRISP_IDENTIFIER`, `CRISP_KEY` (required) and `CRISP_TIER`, `CRISP_API_URL`.
        /// Throws a `CrispError` of kind `.invalidRequest` that names every missing variable.
        public static func fromEnvironment(_ environment: [String: String]) throws(CrispError) -> Configuration {
            let required = ["CRISP_WEBSITE_ID", "CRISP_IDENTIFIER", "CRISP_KEY"]
            let missing = required.filter { (environment[$0] ?? "").isEmpty }
            guard missing.isEmpty else {
                throw CrispError(
                    kind: .invalidRequest, reason: "missing_credentials",
                    message: "set \(missing.joined(separator: ", ")) (a Crisp token), or use the built-in sandbox")
            }
            return Configuration(
                baseURL: try environment["CRISP_API_URL"].flatMap { $0.isEmpty ? nil : $0 }.map(CrispClient.apiBase)
                    ?? "https://api.crisp.chat/v1/",
                websiteID: environment["CRISP_WEBSITE_ID"]!, identifier: environment["CRISP_IDENTIFIER"]!,
                key: environment["CRISP_KEY"]!,
                tier: environment["CRISP_TIER"].flatMap { $0.isEmpty ? nil : $0 } ?? "plugin")
        }
    }

    /// The API base `CRISP_API_URL` names, with or without its `/v1/`: `http://127.0.0.1:8181`,
    /// `http://127.0.0.1:8181/v1` and `http://127.0.0.1:8181/v1/` are all `http://127.0.0.1:8181/v1/` (a proxy's
    /// prefix is kept: `https://proxy.example/crisp` is `https://proxy.example/crisp/v1/`). Not an http(s) URL
    /// with a host: an error that says the expected form.
    static func apiBase(_ text: String) throws(CrispError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
            ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil
        else {
            throw CrispError(
                kind: .invalidRequest, reason: "invalid_api_url",
                message:
                    "CRISP_API_URL '\(trimmed)' is not an http(s) URL of Crisp's API: give its base, e.g. https://api.crisp.chat/v1/ (the /v1/ may be left out)"
            )
        }
        var path = trimmed.dropFirst(scheme.count + 3)  // after "scheme://"
        path = path.drop { $0 != "/" }  // after the host and port
        var base = String(trimmed.dropLast(path.count))
        var segments = path.split(separator: "/").map(String.init)
        if segments.last?.lowercased() != "v1" { segments.append("v1") }
        base += "/" + segments.joined(separator: "/") + "/"
        return base
    }
}

extension CrispClient {
    /// How a call retries retryable failures before giving up to its caller.
    public struct RetryPolicy: Sendable {
        /// Tries in all, the first included. 1 means no retry.
        public var maxAttempts: Int
        /// The first wait; each next one doubles, with full jitter, up to `maxDelay`.
        public var initialDelay: Duration
        public var maxDelay: Duration
        /// A `Retry-After` longer than this is not waited for inside the call: the error goes to the caller.
        public var maxWaitInCall: Duration

        public init(maxAttempts: Int, initialDelay: Duration, maxDelay: Duration, maxWaitInCall: Duration) {
            self.maxAttempts = max(1, maxAttempts)
            self.initialDelay = initialDelay
            self.maxDelay = maxDelay
            self.maxWaitInCall = maxWaitInCall
        }

        /// 5 tries, 200 ms doubling to 5 s, waiting up to 10 s for a `Retry-After`.
        public static let standard = RetryPolicy(
            maxAttempts: 5, initialDelay: .milliseconds(200), maxDelay: .seconds(5), maxWaitInCall: .seconds(10))

        /// No retries: every failure goes straight to the caller.
        public static let none = RetryPolicy(
            maxAttempts: 1, initialDelay: .zero, maxDelay: .zero, maxWaitInCall: .zero)

        /// The wait before try `attempt + 1` (attempt counts from 1): random in [0, min(max, initial × 2^(attempt-1))].
        public func delay(after attempt: Int) -> Duration {
            let cap = min(maxDelay, initialDelay * (1 << min(attempt - 1, 20)))
            let ms = cap.milliseconds
            return ms <= 0 ? .zero : .milliseconds(Int64.random(in: 0...ms))
        }
    }
}
