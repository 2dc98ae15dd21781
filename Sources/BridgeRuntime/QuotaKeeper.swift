import BridgeCore
import BridgeStore
import CrispPeople
import Foundation
import Logging
import ServiceLifecycle

/// Keeps the count of requests made to Crisp in the store (every instance and command sharing it adds to one
/// count per day), says when Crisp's daily quota is used up and when it is back, and keeps the quota gauges.
struct QuotaKeeper: Service, CustomStringConvertible {
    let store: any QuotaLedger
    let quota: CrispQuota
    /// Requests a day Crisp allows this token.
    let dailyQuota: Int
    let interval: Duration
    let logger: Logger
    /// The time the quota's day is counted by.
    var clock: any BridgeClock = SystemClock()

    var description: String { "QuotaKeeper(dailyQuota: \(dailyQuota), every: \(interval))" }

    func run() async throws {
        var reported: Date?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await flush(&reported)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        await flush(&reported)
    }

    /// Adds the requests counted since the last flush to the store's count, and records a change of the
    /// quota's state.
    private func flush(_ reported: inout Date?) async {
        let counts = quota.takeCounts()
        do {
            try await store.addCrispRequests(counts)
        } catch {
            quota.restore(counts)
        }
        let since = quota.exhaustedSince
        if since != reported {
            if let since {
                logger.warning(
                    "Crisp's daily quota is used up (423 quota_limit_exceeded): delivery paused, one probe every \(Int(quota.probeInterval)) s; intake goes on",
                    metadata: ["since": "\(BridgeTime.iso(since))"])
            } else {
                logger.notice("Crisp answers again: delivery resumes in order")
            }
            if (try? await store.setCrispQuotaExhausted(since: since)) != nil { reported = since }
        }
        if let today = try? await store.crispRequests(day: CrispRequestCount.day(of: clock.now())) {
            let used = today.reduce(0) { $0 + $1.count }
            BridgeMetrics.quota(used: used, remaining: max(0, dailyQuota - used), exhausted: since != nil)
        }
    }
}
