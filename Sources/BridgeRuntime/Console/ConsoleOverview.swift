import BridgeCore
import BridgeStore
import Foundation

/// What the console's overview shows: per pipeline its traffic over the last hour and day, backlog and oldest
/// pending event; deliveries per minute over the day; Crisp's quota today with its forecast; polls; the last
/// reload; and what needs a person (the banners).
struct ConsoleOverview: Sendable {
    struct PipelineRow: Sendable {
        var name: String
        var sender: String
        /// Nil for a pipeline with stored events that this instance has not loaded.
        var version: String?
        var received = StoreActivity.Window()
        var delivered = StoreActivity.Window()
        var skipped = StoreActivity.Window()
        var failed = StoreActivity.Window()
        /// Events dead now that died in the hour and the day (replayed ones no longer count).
        var dead = StoreActivity.Window()
        var backlog = 0
        var oldestPending: Date?
    }

    var now: Date
    var pipelines: [PipelineRow] = []
    var deliveredPerMinute: [Date: Int] = [:]
    var quotaUsed = 0
    var quota = 0
    var forecast: QuotaForecast
    var quotaExhaustedSince: Date?
    /// Crisp's answers today that were 423 (quota) and 429 (rate limit).
    var locked = 0
    var limited = 0
    var polls: [PollState] = []
    var lastReload: PipelineReloader.Outcome?
    var generation = 1
    /// Why the store could not be read, when it could not.
    var storeProblem: String?
    /// What needs a person, most urgent first.
    var alerts: [String] = []
}

extension ConsoleQueries {
    /// How long the oldest pending event may wait before the overview says so.
    static let backlogAlertAge: TimeInterval = 15 * 60

    /// The overview as of now (computed at most every few seconds, `OverviewCache`). A store that cannot be
    /// read still gives a page: its banner says why.
    func overview() async -> ConsoleOverview {
        await overviews.overview(now: clock.now()) { await computeOverview() }
    }

    private func computeOverview() async -> ConsoleOverview {
        let now = clock.now()
        var overview = ConsoleOverview(now: now, forecast: QuotaForecast(used: 0, quota: dailyQuota, now: now))
        overview.quota = dailyQuota
        overview.generation = catalog.current.generation
        overview.lastReload = await reloader?.last
        do {
            try await store.ping()
            let activity = try await store.activity(now: now)
            let loaded = catalog.current.pipelines
            let names = Set(loaded.keys).union(activity.received.keys).union(activity.backlog.keys).union(
                activity.outcomes.keys
            ).union(activity.dead.keys).sorted()
            for name in names {
                var row = ConsoleOverview.PipelineRow(
                    name: name, sender: loaded[name]?.trigger.sender.name ?? "", version: loaded[name]?.version)
                row.received = activity.received[name] ?? .init()
                let outcomes = activity.outcomes[name] ?? [:]
                row.delivered = outcomes["done"] ?? .init()
                row.skipped = outcomes["skipped"] ?? .init()
                row.failed = outcomes["retry"] ?? .init()
                row.dead = activity.dead[name] ?? .init()
                row.backlog = activity.backlog[name]?.count ?? 0
                row.oldestPending = activity.backlog[name]?.oldest
                overview.pipelines.append(row)
            }
            // The busiest first; the idle ones by name after them.
            overview.pipelines.sort {
                ($0.received.day + $0.backlog + $0.dead.day, $1.name) > (
                    $1.received.day + $1.backlog + $1.dead.day, $0.name
                )
            }
            overview.deliveredPerMinute = activity.deliveredPerMinute
            let counts = try await store.crispRequests(day: CrispRequestCount.day(of: now))
            overview.quotaUsed = counts.reduce(0) { $0 + $1.count }
            overview.locked = counts.filter { $0.outcome == "423" }.reduce(0) { $0 + $1.count }
            overview.limited = counts.filter { $0.outcome == "429" }.reduce(0) { $0 + $1.count }
            overview.forecast = QuotaForecast(used: overview.quotaUsed, quota: dailyQuota, now: now)
            overview.quotaExhaustedSince = try await store.crispQuotaExhaustedSince() ?? quota?.exhaustedSince
            overview.polls = try await store.pollStates()
        } catch {
            overview.storeProblem = "\(error)"
        }
        overview.alerts = Self.alerts(overview)
        return overview
    }

    /// What needs a person: the store unreadable, dead letters in the last hour, a poll failing, the quota used
    /// up or forecast to run out, a backlog waiting too long, the last reload failed.
    static func alerts(_ overview: ConsoleOverview) -> [String] {
        var alerts: [String] = []
        if let problem = overview.storeProblem { alerts.append("The store is unavailable: \(problem)") }
        if let since = overview.quotaExhaustedSince {
            alerts.append(
                "Crisp's daily quota is used up since \(BridgeTime.iso(since)): delivery is paused until Crisp answers again"
            )
        } else if let forecast = overview.forecast.forecast, forecast > overview.quota {
            alerts.append(
                "Crisp's daily quota is forecast to run out today: \(forecast) requests at this pace, \(overview.quota) allowed"
            )
        }
        for row in overview.pipelines where row.dead.hour > 0 {
            alerts.append(
                "Pipeline \(row.name): \(row.dead.hour) event(s) died in the last hour and wait for a replay (\(row.dead.day) in 24 h): see Failures"
            )
        }
        for row in overview.pipelines {
            if let oldest = row.oldestPending, overview.now.timeIntervalSince(oldest) > backlogAlertAge {
                alerts.append(
                    "Pipeline \(row.name): \(row.backlog) event(s) pending, the oldest received \(ConsoleFormat.age(from: oldest, to: overview.now)) ago"
                )
            }
        }
        for poll in overview.polls where poll.failures > 0 {
            alerts.append(
                "Poll \(poll.pipeline) failing: \(poll.failures) time(s) in a row: \(poll.lastError ?? "no reason recorded")"
            )
        }
        if let reload = overview.lastReload, reload.changes == nil {
            alerts.append(
                "The last reload (\(reload.cause), \(BridgeTime.iso(reload.at))) failed with \(reload.problems.count) problem(s): the previous pipelines still run"
            )
        }
        return alerts
    }
}

extension ConsoleOverview {
    /// The overview as `GET /admin/overview` gives it.
    var json: JSONValue {
        let window = { (w: StoreActivity.Window) -> JSONValue in
            ["hour": .number(Double(w.hour)), "day": .number(Double(w.day))]
        }
        let rows = pipelines.map { row -> JSONValue in
            [
                "pipeline": .string(row.name), "sender": .string(row.sender),
                "version": row.version.map(JSONValue.string) ?? .null, "received": window(row.received),
                "delivered": window(row.delivered), "skipped": window(row.skipped), "failed": window(row.failed),
                "dead": window(row.dead), "backlog": .number(Double(row.backlog)),
                "oldest_pending": row.oldestPending.map { .string(BridgeTime.iso($0)) } ?? .null,
            ]
        }
        return [
            "now": .string(BridgeTime.iso(now)), "pipelines": .array(rows),
            "quota": [
                "used": .number(Double(quotaUsed)), "quota": .number(Double(quota)),
                "left": .number(Double(max(0, quota - quotaUsed))),
                "forecast": forecast.forecast.map { .number(Double($0)) } ?? .null,
                "summary": .string(forecast.summary),
                "exhausted_since": quotaExhaustedSince.map { .string(BridgeTime.iso($0)) } ?? .null,
                "answers_423": .number(Double(locked)), "answers_429": .number(Double(limited)),
            ],
            "delivered_day": .number(Double(deliveredPerMinute.values.reduce(0, +))),
            "polls": .array(polls.map { $0.json(now: now) }), "generation": .number(Double(generation)),
            "alerts": .array(alerts.map(JSONValue.string)),
        ]
    }
}
