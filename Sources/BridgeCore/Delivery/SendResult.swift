import Foundation

/// How sending one operation went, classified by what it means for sending it again: done, refused (the other
/// side answered and did nothing), never sent, or in doubt (it may have happened).
public enum SendResult: Sendable, Hashable {
    /// It went through.
    case done
    /// Nothing in it differed from what was last written: not sent.
    case unchanged
    /// The other side answered and did not do it (a 4xx, a rate limit, a 503 with an answer).
    case refused(DeliveryFailure)
    /// It never left this process (no connection, no connection from the pool in time, refused before sending).
    case notSent(reason: String, retryable: Bool)
    /// It may have happened: no answer in time, a dropped connection, a 500/502/504, an unreadable 2xx.
    case inDoubt(DeliveryFailure)
    /// Crisp's daily quota is used up: nothing was written; the event pauses until `until`.
    case quotaExhausted(reason: String, until: Date)

    /// Whether sending it again later may succeed.
    public var retryable: Bool {
        switch self {
        case .done, .unchanged: false
        case .refused(let failure), .inDoubt(let failure): failure.retryable
        case .notSent(_, let retryable): retryable
        case .quotaExhausted: true
        }
    }

    /// The result of an HTTP answer with `status` to a call that was sent (`reason` says what it answered):
    /// 2xx done; 500, 502 and 504 in doubt (a gateway or a crash after the write); other 5xx, 408 and 429
    /// refused and worth retrying; the rest refused for good. `retryableStatuses` adds statuses worth retrying
    /// (Crisp's 420 and 422).
    public static func answered(
        status: Int, reason: String, retryAfter: TimeInterval?, retryableStatuses: Set<Int> = []
    ) -> SendResult {
        if (200..<300).contains(status) { return .done }
        let rateLimited = status == 429 || status == 420
        let failure = DeliveryFailure(
            reason: reason, status: status,
            retryable: status >= 500 || [408, 429].contains(status) || retryableStatuses.contains(status),
            rateLimited: rateLimited, retryAfter: retryAfter)
        return [500, 502, 504].contains(status) ? .inDoubt(failure) : .refused(failure)
    }
}
