import BridgeCore
import BridgeStore
import Foundation
import Logging

/// The bulk replays of this instance, each running in the background a page at a time: it can be watched and
/// cancelled (the events already re-queued stay re-queued). A replay only re-queues events: delivering them
/// goes through the worker like any other event, so Crisp's quota pause and rate limit hold.
actor ReplayJobs {
    /// One bulk replay.
    struct Job: Sendable {
        enum State: String, Sendable {
            case running
            case finished
            case cancelled
            case failed
        }

        var id: Int
        var selection: ReplaySelection
        var actor: String
        var force: Bool
        var fromStart: Bool
        /// How many the preview counted.
        var expected: Int
        var replayed = 0
        var examined = 0
        var state = State.running
        var problem: String?
        var started: Date
        var ended: Date?

        var json: JSONValue {
            [
                "id": .number(Double(id)), "selection": .string(selection.summary), "actor": .string(actor),
                "force": .bool(force), "from_start": .bool(fromStart), "expected": .number(Double(expected)),
                "replayed": .number(Double(replayed)), "examined": .number(Double(examined)),
                "state": .string(state.rawValue), "problem": problem.map(JSONValue.string) ?? .null,
                "started_at": .string(BridgeTime.iso(started)),
                "ended_at": ended.map { .string(BridgeTime.iso($0)) } ?? .null,
            ]
        }
    }

    let store: any BridgeStore
    let clock: any BridgeClock
    let logger: Logger
    /// Events re-queued per store transaction.
    let batch: Int
    private var jobs: [Int: Job] = [:]
    private var tasks: [Int: Task<Void, Never>] = [:]
    private var nextID = 1

    init(store: any BridgeStore, clock: any BridgeClock, logger: Logger, batch: Int = 200) {
        self.store = store
        self.clock = clock
        self.logger = logger
        self.batch = batch
    }

    /// Starts a bulk replay; `expected` is what its preview counted.
    func start(_ selection: ReplaySelection, expected: Int, actor: String, force: Bool, fromStart: Bool) async
        -> Job
    {
        let id = nextID
        nextID += 1
        let job = Job(
            id: id, selection: selection, actor: actor, force: force, fromStart: fromStart, expected: expected,
            started: clock.now())
        jobs[id] = job
        if jobs.count > 50, let oldest = jobs.values.filter({ $0.state != .running }).map(\.id).min() {
            jobs[oldest] = nil
            tasks[oldest] = nil
        }
        await audit(actor: actor, action: "bulk replay", detail: describe(job), count: expected)
        tasks[id] = Task { await self.run(id) }
        return job
    }

    /// Stops a running replay after its current page; false when it is not running.
    func cancel(_ id: Int, actor: String) async -> Bool {
        guard let job = jobs[id], job.state == .running else { return false }
        // The loop sees it between pages: the page in hand is re-queued whole (a task cancel would interrupt
        // the store's transaction instead).
        finish(id, .cancelled)
        await audit(
            actor: actor, action: "cancel replay", detail: "bulk replay \(id) (\(job.replayed) re-queued before)",
            count: job.replayed)
        return true
    }

    func job(_ id: Int) -> Job? { jobs[id] }

    /// The replays kept (the 50 latest), newest first.
    func all() -> [Job] { jobs.values.sorted { $0.id > $1.id } }

    /// Waits for a replay to end (tests).
    func wait(_ id: Int) async { await tasks[id]?.value }

    private func run(_ id: Int) async {
        guard let selection = jobs[id]?.selection else { return }
        var filter = selection.candidates
        filter.limit = batch
        do {
            while jobs[id]?.state == .running {
                let page = try await store.page(matching: filter)
                let ids = page.events.filter(selection.selects).map(\.id)
                guard jobs[id]?.state == .running else { break }
                let job = jobs[id]!
                let replayed =
                    ids.isEmpty
                    ? 0
                    : try await store.replay(ids: ids, now: clock.now(), force: job.force, fromStart: job.fromStart)
                jobs[id]?.replayed += replayed
                jobs[id]?.examined += page.events.count
                guard let next = page.nextBefore else { break }
                filter.before = next
            }
            if jobs[id]?.state == .running { finish(id, .finished) }
        } catch {
            if jobs[id]?.state == .running {
                jobs[id]?.problem = "\(error)"
                finish(id, .failed)
                logger.error("bulk replay \(id) failed: \(error)")
            }
        }
        if let job = jobs[id], job.state != .cancelled {
            await audit(
                actor: job.actor, action: "bulk replay \(job.state.rawValue)", detail: describe(job),
                count: job.replayed)
        }
    }

    private func finish(_ id: Int, _ state: Job.State) {
        jobs[id]?.state = state
        jobs[id]?.ended = clock.now()
    }

    private func describe(_ job: Job) -> String {
        "bulk replay \(job.id): \(job.selection.summary)" + (job.force ? ", force" : "")
            + (job.fromStart ? ", from the start" : "")
    }

    /// Writes the action to the audit log and the log.
    func audit(actor: String, action: String, detail: String, count: Int) async {
        await Self.audit(
            store: store, clock: clock, logger: logger, actor: actor, action: action, detail: detail, count: count)
    }

    /// Writes an operator's action to the audit log (in the store) and the log: who, what, how many.
    static func audit(
        store: any AuditTrail, clock: any BridgeClock, logger: Logger, actor: String, action: String,
        detail: String, count: Int
    ) async {
        logger.notice("audit: \(actor): \(action): \(detail) (\(count) event(s))")
        do {
            try await store.record(
                AuditEntry(at: clock.now(), actor: actor, action: action, detail: detail, count: count))
        } catch {
            logger.error("audit: cannot write to the store's audit log: \(error)")
        }
    }
}
