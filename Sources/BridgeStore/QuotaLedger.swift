import BridgeCore
import Foundation

/// The Crisp quota ledger: the requests made to Crisp, counted by day, route and outcome, and whether the daily
/// quota is used up. Every process that shares the store keeps one ledger.
public protocol QuotaLedger: Sendable {
    /// Adds to the count of requests made to Crisp (every process that shares the store adds to one count).
    func addCrispRequests(_ counts: [CrispRequestCount]) async throws(BridgeStoreError)

    /// The requests made to Crisp on `day` (`yyyy-MM-dd`, UTC), by route and outcome.
    func crispRequests(day: String) async throws(BridgeStoreError) -> [CrispRequestCount]

    /// Records that Crisp's daily quota is used up (since `since`), or nil once Crisp answers again. Clearing it
    /// moves the age of every pending event forward by the pause (once, whichever instance clears it): time
    /// paused never counts toward the age limit.
    func setCrispQuotaExhausted(since: Date?) async throws(BridgeStoreError)

    /// Since when Crisp's daily quota has been used up, or nil when it is not.
    func crispQuotaExhaustedSince() async throws(BridgeStoreError) -> Date?
}
