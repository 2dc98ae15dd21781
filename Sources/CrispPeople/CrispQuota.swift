import BridgeCore
import Foundation
import Synchronization

/// Crisp's daily request quota as one client sees it: every request it sends is counted (by route and
/// outcome, per UTC day), and once Crisp answers `423 quota_limit_exceeded` the whole client pauses — no request
/// is sent, each call fails at once with a 423 that says "not sent" — except one probe every `probeInterval`,
/// until Crisp answers something else.
public final class CrispQuota: Sendable {
    private struct State {
        var counts: [String: [String: [String: Int]]] = [:]
        var exhaustedSince: Date?
        var nextProbeAt = Date.distantPast
        var probing = false
    }

    /// How long the pause waits between probes.
    public let probeInterval: TimeInterval
    /// Called for every request sent, with its route (`POST people/profile`) and outcome (`ok`, `423`, `timeout`).
    private let onRequest: @Sendable (_ route: String, _ outcome: String) -> Void
    private let state = Mutex(State())
    /// The time the pause and the day's counts go by.
    let clock: any BridgeClock

    public init(
        probeInterval: TimeInterval = 300, clock: any BridgeClock = SystemClock(),
        onRequest: @escaping @Sendable (String, String) -> Void = { _, _ in }
    ) {
        self.probeInterval = probeInterval
        self.clock = clock
        self.onRequest = onRequest
    }

    /// Crisp's daily quota for a token tier (Crisp's authentication guide): 5,000 requests for a plugin token,
    /// 10,000 for a website token.
    public static func dailyQuota(tier: String) -> Int {
        tier == "plugin" ? 5_000 : 10_000
    }

    /// Since when Crisp has answered that the quota is used up, or nil while requests go through.
    public var exhaustedSince: Date? { state.withLock { $0.exhaustedSince } }

    /// When the pause lets one request through next (nil while not paused).
    public var nextProbeAt: Date? { state.withLock { $0.exhaustedSince == nil ? nil : $0.nextProbeAt } }

    /// Whether a request may be sent now: always, unless the quota is used up and it is not yet time for the
    /// next probe (or a probe is out).
    public func mayStartWork(now: Date? = nil) -> Bool {
        let now = now ?? clock.now()
        return state.withLock { $0.exhaustedSince == nil || (!$0.probing && now >= $0.nextProbeAt) }
    }

    /// Lets a request go, or refuses it (not sent) while the quota is used up; the first request once the probe
    /// is due is let go as the probe.
    func admit(now: Date? = nil) throws(CrispError) {
        let now = now ?? clock.now()
        let refusal: CrispError? = state.withLock { state in
            guard let since = state.exhaustedSince else { return nil }
            if !state.probing && now >= state.nextProbeAt {
                state.probing = true
                return nil
            }
            let wait = max(1, state.nextProbeAt.timeIntervalSince(now))
            return CrispError(
                kind: .http, status: 423, reason: "quota_limit_exceeded",
                message:
                    "not sent: Crisp's daily quota has been used up since \(Self.format(since)); the next probe is at \(Self.format(state.nextProbeAt))",
                retryAfter: .milliseconds(Int64(wait * 1000)))
        }
        if let refusal { throw refusal }
    }

    /// Records a request that was sent and how it ended (`status` nil when there was no answer).
    func sent(method: String, path: String, status: Int?, failure: String?, now: Date? = nil) {
        let now = now ?? clock.now()
        let route = Self.route(method: method, path: path)
        // A 2xx that could not be read is counted as what it is (`invalid_response`), not as `ok`.
        let outcome =
            if let status, !(200..<300).contains(status) { String(status) } else {
                failure ?? (status == nil ? "network" : "ok")
            }
        state.withLock { state in
            state.counts[CrispRequestCount.day(of: now), default: [:]][route, default: [:]][outcome, default: 0] += 1
            if status == 423 {
                if state.exhaustedSince == nil { state.exhaustedSince = now }
                state.nextProbeAt = now.addingTimeInterval(probeInterval)
            } else if status != nil {
                state.exhaustedSince = nil
            }
            state.probing = false
        }
        onRequest(route, outcome)
    }

    /// The counts recorded since the last call (to add to a shared count), and forgets them.
    public func takeCounts() -> [CrispRequestCount] {
        let counts = state.withLock { state in
            defer { state.counts = [:] }
            return state.counts
        }
        return counts.flatMap { day, routes in
            routes.flatMap { route, outcomes in
                outcomes.map { CrispRequestCount(day: day, route: route, outcome: $0.key, count: $0.value) }
            }
        }
    }

    /// Gives counts back (a shared count could not take them): they are added to the next `takeCounts`.
    public func restore(_ counts: [CrispRequestCount]) {
        state.withLock { state in
            for c in counts {
                state.counts[c.day, default: [:]][c.route, default: [:]][c.outcome, default: 0] += c.count
            }
        }
    }

    /// `POST people/profile`: the method and the route's first two parts after the website, without ids.
    static func route(method: String, path: String) -> String {
        var parts = path.split(separator: "/").map(String.init)
        if parts.first == "website" { parts.removeFirst(min(2, parts.count)) }
        return method + " " + parts.prefix(2).joined(separator: "/")
    }

    private static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
