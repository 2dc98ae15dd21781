/// The one error type of CrispPeople: a failed call to Crisp, with the HTTP status and Crisp's `reason`,
/// classified as worth retrying or not.
public struct CrispError: Error, Sendable, CustomStringConvertible {
    /// How the call failed.
    public enum Kind: String, Sendable {
        /// No answer: the connection dropped or was reset after the request may have left.
        case network
        /// Never sent: no connection could be made (refused, DNS, TLS, no connection from the pool in time).
        case unsent
        /// No answer in time.
        case timeout
        /// Crisp answered with an error status.
        case http
        /// Crisp answered 2xx with something that is not its envelope.
        case invalidResponse
        /// The request was not sent: the bridge's own input is wrong (an empty email, an encoding problem).
        case invalidRequest
    }

    public let kind: Kind
    /// The HTTP status, when Crisp answered.
    public let status: Int?
    /// Crisp's `reason` (`people_exists`, `invalid_data`, `quota_limit_exceeded`…), or the kind for no answer.
    public let reason: String
    /// Crisp's `data.message`, or what went wrong.
    public let message: String
    /// How long to wait before trying again: `Retry-After` when Crisp sent one, a long wait for the daily quota.
    public let retryAfter: Duration?

    public init(
        kind: Kind, status: Int? = nil, reason: String, message: String, retryAfter: Duration? = nil
    ) {
        self.kind = kind
        self.status = status
        self.reason = reason
        self.message = message
        self.retryAfter = retryAfter
    }

    /// Whether trying again later may succeed.
    ///
    /// Retryable: no answer, a timeout, 5xx, 408, 420 and 429 (rate limits), 422 (Crisp's staff say to reschedule
    /// on 422 or 429: ruby-crisp-api#18), and 423 `quota_limit_exceeded` (after a long wait). Everything else —
    /// 400 `invalid_data`, 401, 403, 404 on a route, 409 `people_exists` — is permanent: the same request would
    /// fail again.
    public var isRetryable: Bool {
        switch kind {
        case .network, .timeout, .unsent: return true
        case .invalidResponse, .invalidRequest: return false
        case .http:
            guard let status else { return false }
            return status >= 500 || [408, 420, 422, 423, 429].contains(status)
        }
    }

    /// Whether Crisp may have carried the request out although it failed: a timeout, a dropped connection or a
    /// 5xx can come after the write was stored. A non-idempotent write (an event) is looked for before it is
    /// sent again. Refusals (4xx, rate limits, the quota) happen before anything is written.
    public var mayHaveBeenWritten: Bool {
        switch kind {
        case .network, .timeout, .invalidResponse: return true
        case .invalidRequest, .unsent: return false
        case .http: return (status ?? 0) >= 500
        }
    }

    /// Whether this is a rate-limit answer (420 or 429), to which a sender should slow down.
    public var isRateLimit: Bool { status == 429 || status == 420 }

    /// Status and reason only, safe for metrics labels and logs: `429 rate_limited`, `network`.
    public var shortDescription: String {
        status.map { "\($0) \(reason)" } ?? reason
    }

    public var description: String {
        "Crisp \(shortDescription): \(message)"
    }
}
