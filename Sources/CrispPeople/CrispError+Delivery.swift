import BridgeCore
import Foundation

extension CrispError {
    /// What this failure means for sending the operation again (`DeliveryLifecycle` decides from it): the daily
    /// quota pauses until `quotaUntil` (the quota keeper's next probe, else Crisp's wait); a request that never
    /// left is not sent; a timeout, a dropped connection, any 5xx or an unreadable 2xx is in doubt; any
    /// other answer is a refusal.
    public func sendResult(quotaUntil: Date?, now: Date) -> SendResult {
        let wait = retryAfter.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
        switch kind {
        case .unsent:
            return .notSent(reason: description, retryable: true)
        case .invalidRequest:
            return .notSent(reason: description, retryable: false)
        case .network, .timeout, .invalidResponse:
            return .inDoubt(DeliveryFailure(reason: description, status: status, retryable: true))
        case .http:
            guard let status else { return .inDoubt(DeliveryFailure(reason: description, retryable: true)) }
            if status == 423 {
                return .quotaExhausted(reason: description, until: quotaUntil ?? now.addingTimeInterval(wait ?? 60))
            }
            let result = SendResult.answered(
                status: status, reason: description, retryAfter: wait, retryableStatuses: [420, 422])
            // Any 5xx from Crisp may come after it stored the write (a 503 included): in doubt.
            if case .refused(let failure) = result, status >= 500 { return .inDoubt(failure) }
            return result
        }
    }
}
