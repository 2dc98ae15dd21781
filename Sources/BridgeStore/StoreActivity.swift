import Foundation

/// What the store saw over the last day, for the console's overview: per pipeline, events received, attempts by
/// outcome and events dead now over the last hour and day, the backlog with its oldest event, and delivered
/// attempts per minute.
public struct StoreActivity: Sendable {
    /// A count over the last hour and the last day.
    public struct Window: Sendable, Hashable {
        public var hour = 0
        public var day = 0

        public init(hour: Int = 0, day: Int = 0) {
            self.hour = hour
            self.day = day
        }
    }

    /// The pending events of a pipeline.
    public struct Backlog: Sendable, Hashable {
        public var count: Int
        public var oldest: Date?

        public init(count: Int, oldest: Date?) {
            self.count = count
            self.oldest = oldest
        }
    }

    /// Events received, by pipeline.
    public var received: [String: Window] = [:]
    /// Attempts by pipeline and outcome (`done`, `skipped`, `retry`, `dead`, `paused`, `replayed`).
    public var outcomes: [String: [String: Window]] = [:]
    /// Events dead now by pipeline, by when they died (a replayed one no longer counts).
    public var dead: [String: Window] = [:]
    /// Pending events by pipeline.
    public var backlog: [String: Backlog] = [:]
    /// Delivered attempts by minute (the minute's start), over the day.
    public var deliveredPerMinute: [Date: Int] = [:]

    public init() {}

    /// The activity `store` holds as of `now`.
    static func read(_ store: some RecordReading, now: Date) async throws(BridgeStoreError) -> StoreActivity {
        let read = { (statement: StoreStatement) async throws(BridgeStoreError) in try await store.records(statement) }
        let now = now.timeIntervalSince1970
        let (day, hour) = (now - 86_400, now - 3_600)
        var activity = StoreActivity()
        for record in try await read(StoreRules.received(dayStart: day, hourStart: hour)) {
            activity.received[record.text("pipeline") ?? ""] = Window(
                hour: record.count("hour"), day: record.count("day"))
        }
        for record in try await read(StoreRules.outcomes(dayStart: day, hourStart: hour)) {
            activity.outcomes[record.text("pipeline") ?? "", default: [:]][record.text("outcome") ?? ""] = Window(
                hour: record.count("hour"), day: record.count("day"))
        }
        for record in try await read(StoreRules.deadNow(dayStart: day, hourStart: hour)) {
            activity.dead[record.text("pipeline") ?? ""] = Window(hour: record.count("hour"), day: record.count("day"))
        }
        for record in try await read(StoreRules.backlog) {
            activity.backlog[record.text("pipeline") ?? ""] = Backlog(
                count: record.count("n"), oldest: record.date("oldest"))
        }
        for record in try await read(StoreRules.deliveredPerMinute(since: day)) {
            guard let minute = record.int("minute") else { continue }
            activity.deliveredPerMinute[Date(timeIntervalSince1970: Double(minute) * 60)] = record.count("n")
        }
        return activity
    }
}
