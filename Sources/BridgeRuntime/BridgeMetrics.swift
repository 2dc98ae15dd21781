import BridgeCore
import BridgeStore
import Foundation
import Metrics
import ServiceLifecycle

/// The runtime's metrics, through swift-metrics (served as Prometheus text by `serve` at `/metrics`).
///
/// Labels never carry secrets or contact data: pipeline names, outcomes, HTTP statuses and Crisp reasons only.
public enum BridgeMetrics {
    /// A webhook request answered: `outcome` is `accepted`, `duplicate`, or the refusal status (`401`, `413`…).
    static func request(pipeline: String, outcome: String) {
        Counter(label: "crisp_bridge_requests_total", dimensions: [("pipeline", pipeline), ("outcome", outcome)])
            .increment()
    }

    /// A reload of the pipelines ended: `reloaded`, `unchanged` or `failed` (the running pipelines stay).
    /// Events removed past retention.
    static func pruned(_ count: Int) {
        guard count > 0 else { return }
        Counter(label: "crisp_bridge_pruned_events_total").increment(by: count)
    }

    static func reload(outcome: String) {
        Counter(label: "crisp_bridge_reloads_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// A delivery attempt ended: `done`, `skipped`, `retry`, `dead`, `waiting`.
    static func attempt(pipeline: String, outcome: String) {
        Counter(label: "crisp_bridge_attempts_total", dimensions: [("pipeline", pipeline), ("outcome", outcome)])
            .increment()
    }

    /// How long one Crisp operation took (all its HTTP calls and in-call retries), by operation and result.
    static func crispCall(operation: String, result: String, duration: Duration) {
        Timer(
            label: "crisp_bridge_crisp_operation_seconds", dimensions: [("operation", operation), ("result", result)]
        )
        .recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Time spent waiting for the rate limiter toward Crisp.
    static func rateLimitWait(_ duration: Duration) {
        Counter(label: "crisp_bridge_rate_limit_waits_total").increment()
        FloatingPointCounter(label: "crisp_bridge_rate_limit_wait_seconds_total").increment(
            by: duration.inSeconds)
    }

    /// A request sent to Crisp, by route (`POST people/profile`) and outcome (`ok`, `423`, `timeout`).
    static func crispRequest(route: String, outcome: String) {
        Counter(label: "crisp_bridge_crisp_requests_total", dimensions: [("route", route), ("outcome", outcome)])
            .increment()
    }

    /// An operation not sent to Crisp because its values equal what was last written.
    static func unchanged(pipeline: String, operation: String) {
        Counter(
            label: "crisp_bridge_operations_unchanged_total",
            dimensions: [("pipeline", pipeline), ("operation", operation)]
        ).increment()
    }

    /// An event delivered in another event's attempt, its writes merged with that event's.
    /// A conversation operation stopped by the loop guard.
    static func loopGuard(pipeline: String) {
        Counter(label: "crisp_bridge_loop_guard_total", dimensions: [("pipeline", pipeline)]).increment()
    }

    static func coalesced(pipeline: String) {
        Counter(label: "crisp_bridge_events_coalesced_total", dimensions: [("pipeline", pipeline)]).increment()
    }

    /// Today's use of Crisp's daily quota (every instance sharing the store counted).
    static func quota(used: Int, remaining: Int, exhausted: Bool) {
        Gauge(label: "crisp_bridge_crisp_quota_used").record(used)
        Gauge(label: "crisp_bridge_crisp_quota_remaining").record(remaining)
        Gauge(label: "crisp_bridge_crisp_quota_exhausted").record(exhausted ? 1 : 0)
    }

    /// A poll ended: `outcome` is `ok`, the API's status (`429`, `503`…) or `error`; `items` new items stored;
    /// `duration` how long a successful poll took, from its start to its items being stored (at `now`).
    static func poll(pipeline: String, outcome: String, items: Int, duration: TimeInterval?, now: Date) {
        Counter(label: "crisp_bridge_poll_total", dimensions: [("pipeline", pipeline), ("outcome", outcome)])
            .increment()
        if items > 0 {
            Counter(label: "crisp_bridge_poll_items_total", dimensions: [("pipeline", pipeline)])
                .increment(by: items)
        }
        if let duration {
            Gauge(label: "crisp_bridge_poll_duration_seconds", dimensions: [("pipeline", pipeline)]).record(duration)
            Gauge(label: "crisp_bridge_poll_last_success_timestamp_seconds", dimensions: [("pipeline", pipeline)])
                .record(now.timeIntervalSince1970)
        }
    }

    /// How far behind a poll pipeline is: seconds since its last successful poll (since start when none).
    static func pollLag(pipeline: String, seconds: TimeInterval) {
        Gauge(label: "crisp_bridge_poll_lag_seconds", dimensions: [("pipeline", pipeline)]).record(max(0, seconds))
    }

    static func queue(pending: Int, due: Int, dead: Int, done: Int) {
        Gauge(label: "crisp_bridge_events", dimensions: [("status", "pending")]).record(pending)
        Gauge(label: "crisp_bridge_events", dimensions: [("status", "dead")]).record(dead)
        Gauge(label: "crisp_bridge_events", dimensions: [("status", "done")]).record(done)
        Gauge(label: "crisp_bridge_events_due").record(due)
    }
}

/// Samples the store's queue depth into gauges every few seconds.
struct QueueSampler: Service, CustomStringConvertible {
    let store: any EventHistory
    let interval: Duration
    /// The time that says which events are due.
    var clock: any BridgeClock = SystemClock()

    var description: String { "QueueSampler(every: \(interval))" }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if let counts = try? await store.counts(now: clock.now()) {
                    BridgeMetrics.queue(
                        pending: counts.byStatus[.pending] ?? 0, due: counts.due, dead: counts.byStatus[.dead] ?? 0,
                        done: counts.byStatus[.done] ?? 0)
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
