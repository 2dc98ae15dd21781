import Foundation

/// Why an operation failed, as far as delivery cares.
public struct DeliveryFailure: Sendable, Hashable {
    public var reason: String
    /// The HTTP status, when the other side answered.
    public var status: Int?
    /// Whether trying later may succeed (timeouts, 5xx, rate limits).
    public var retryable: Bool
    /// A rate-limit answer: the other side asking everyone to slow down, not this event failing.
    public var rateLimited: Bool
    /// The wait the other side asked for (`Retry-After`), in seconds.
    public var retryAfter: TimeInterval?

    public init(
        reason: String, status: Int? = nil, retryable: Bool, rateLimited: Bool = false, retryAfter: TimeInterval? = nil
    ) {
        self.reason = reason
        self.status = status
        self.retryable = retryable
        self.rateLimited = rateLimited
        self.retryAfter = retryAfter
    }
}
