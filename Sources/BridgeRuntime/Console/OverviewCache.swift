import BridgeCore
import Foundation
import Synchronization

/// The last overview computed, kept for a few seconds: its day's counts read many rows of a busy store, so any
/// number of consoles open on it (and `GET /admin/overview`) cost one computation per `lifetime`.
final class OverviewCache: Sendable {
    let lifetime: TimeInterval
    private let kept = Mutex<ConsoleOverview?>(nil)

    init(lifetime: TimeInterval = 5) { self.lifetime = lifetime }

    /// Forgets the kept overview (after an action whose effect the next overview must show).
    func forget() { kept.withLock { $0 = nil } }

    /// The kept overview when it is recent, else a new one from `compute`.
    func overview(now: Date, _ compute: () async -> ConsoleOverview) async -> ConsoleOverview {
        if let overview = kept.withLock({ $0 }), now.timeIntervalSince(overview.now) < lifetime,
            overview.now <= now
        {
            return overview
        }
        let overview = await compute()
        kept.withLock { $0 = overview }
        return overview
    }
}
