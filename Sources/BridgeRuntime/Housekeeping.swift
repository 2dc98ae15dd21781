import BridgeCore
import BridgeStore
import Foundation
import Logging
import ServiceLifecycle

/// Keeps the store from only growing: removes delivered and skipped events (with their stored requests and
/// attempts) after `retention`, dead letters after `deadRetention`, in small batches with a pause between
/// them so intake is never held up; gives the freed space back (SQLite's incremental vacuum); forgets dedupe
/// ids after `dedupeRetention`.
struct Housekeeping: Service, CustomStringConvertible {
    struct Configuration: Sendable {
        /// Done (delivered or skipped) events are removed this long after their last change; nil keeps them.
        var retention: TimeInterval? = 14 * 86_400
        /// Dead events are removed this long after their last change; nil keeps them.
        var deadRetention: TimeInterval? = 30 * 86_400
        /// Dedupe ids are forgotten after this.
        var dedupeRetention: TimeInterval = 7 * 86_400
        /// Events removed per transaction.
        var batch = 500
        /// The pause between two batches (intake writes in between).
        var pause: Duration = .milliseconds(20)
        /// How often a pass runs (the first at start).
        var interval: Duration = .seconds(300)
    }

    let store: any EventHistory
    let configuration: Configuration
    let logger: Logger
    /// The time the retention windows end at.
    var clock: any BridgeClock = SystemClock()

    var description: String { "Housekeeping" }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastDedupePurge: Date?
            while !Task.isCancelled {
                let now = clock.now()
                if lastDedupePurge.map({ now.timeIntervalSince($0) >= 3600 }) ?? true {
                    lastDedupePurge = now
                    if let purged = try? await store.purgeDedupe(
                        before: now.addingTimeInterval(-configuration.dedupeRetention)), purged > 0
                    {
                        logger.info("forgot \(purged) dedupe id(s) older than the retention window")
                    }
                }
                _ = try await prunePass(now: now)
                try await Task.sleep(for: configuration.interval)
            }
        }
    }

    /// Removes every event past retention, a batch at a time, then gives the space back; returns how many.
    func prunePass(now: Date) async throws -> Int {
        guard configuration.retention != nil || configuration.deadRetention != nil else { return 0 }
        let doneBefore = configuration.retention.map { now.addingTimeInterval(-$0) } ?? .distantPast
        let deadBefore = configuration.deadRetention.map { now.addingTimeInterval(-$0) } ?? .distantPast
        var removed = 0
        var after: Int64 = 0
        while !Task.isCancelled {
            let batch: PruneBatch
            let started = ContinuousClock.now
            do {
                batch = try await store.prune(
                    doneBefore: doneBefore, deadBefore: deadBefore, after: after, limit: configuration.batch)
            } catch {
                logger.warning("cannot remove events past retention now (tried again at the next pass): \(error)")
                break
            }
            removed += batch.removed
            BridgeMetrics.pruned(batch.removed)
            guard batch.found == configuration.batch, let through = batch.through else { break }
            after = through
            try await rest(after: started)
        }
        guard removed > 0 else { return 0 }
        var reclaimed: Int64 = 0
        // A thousand pages at a time: each call holds the write lock only briefly.
        while !Task.isCancelled {
            let started = ContinuousClock.now
            guard let bytes = try? await store.reclaimSpace(pages: 1000), bytes > 0 else { break }
            reclaimed += bytes
            try await rest(after: started)
        }
        logger.info(
            "removed \(removed) event(s) past retention (done after \(Self.days(configuration.retention)), dead after \(Self.days(configuration.deadRetention)))\(reclaimed > 0 ? ", \(reclaimed / 1_048_576) MiB given back" : "")"
        )
        return removed
    }

    /// Waits twice as long as the step begun at `started` took (at least `pause`): pruning takes at most a third
    /// of the store's time, so intake is never held up for long.
    private func rest(after started: ContinuousClock.Instant) async throws {
        try await Task.sleep(for: max(configuration.pause, (ContinuousClock.now - started) * 2))
    }

    static func days(_ interval: TimeInterval?) -> String {
        guard let interval else { return "never" }
        let days = interval / 86_400
        return days == days.rounded() ? "\(Int(days)) d" : "\(Int(interval)) s"
    }
}
