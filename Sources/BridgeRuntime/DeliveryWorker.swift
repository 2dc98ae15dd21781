import BridgeCore
import BridgeStore
import CrispPeople
import Foundation
import Logging
import ServiceLifecycle

/// Claims due events, plans them (fetches included), and carries the plan out in Crisp, recording how far it
/// got so a retry never repeats an operation; retryable failures come back later, permanent ones are dead.
public struct DeliveryWorker: Service, CustomStringConvertible {
    public struct Configuration: Sendable {
        /// Events handled at once.
        public var concurrency: Int = 8
        /// How long a claimed event is leased; renewed every third of it while the event is carried out, so a
        /// crashed instance releases its events after this.
        public var lease: TimeInterval = 10
        /// How often an idle loop looks for due events (retries coming due) when no signal woke it.
        public var pollInterval: Duration = .seconds(1)
        /// The delivery rules: retries, age limit, waiting for earlier events of a contact.
        public var lifecycle = DeliveryLifecycle()
        /// How many events of one contact waiting in order go out in one attempt, their writes merged into
        /// one per route (1: each on its own).
        public var coalesce = 20
        /// At most how many due events one claim takes (for as many idle loops; 1: each loop claims its own).
        public var claimBatch = 8
        /// Conversation operations (`crisp.conversation`, `crisp.note`) per session in 10 minutes before the loop
        /// guard stops them (0: no guard).
        public var conversationWrites = 20
        /// The time every decision and record of the worker uses.
        public var clock: any BridgeClock = SystemClock()
        public init() {}
    }

    let store: any DeliveryQueue
    /// The pipelines that plan events: the current version of each (a reload may swap them meanwhile).
    let catalog: PipelineCatalog
    let crisp: CrispClient
    /// The fetcher and settings the pipelines plan with; the environment is the catalog's (see `context`).
    private let baseContext: TransformContext
    /// What an event is planned with: the environment of the latest reload (a new secret needs no restart).
    var context: TransformContext {
        var context = baseContext
        context.environment = catalog.current.environment
        return context
    }
    /// Google service-account tokens for `http` actions that sign in with one.
    let tokens: ServiceAccountTokens
    /// The loop guard: conversation writes per session.
    let conversationGuard: ConversationGuard
    let configuration: Configuration
    let logger: Logger
    /// With `serve --record`: where the fetch answers of recorded requests are saved.
    let recorder: RequestRecorder?
    /// Requests split lately, by intake (handed over) or by the worker: an event is planned from one parse.
    let parsed: ParsedRequestCache
    /// Events a claim took for idle loops.
    let claimed: ClaimedEvents
    /// Wakes idle loops when work arrives.
    let signal: WorkSignal
    /// The time every decision and record of the worker uses (`configuration.clock`).
    var clock: any BridgeClock { configuration.clock }
    /// Failures to claim are logged at most every 30 s.
    let claimFailures = LogThrottle(every: .seconds(30))
    /// How many events this worker delivered (an import tells its own deliveries from another instance's).
    let delivered = DeliveryTally()
    /// How many events this worker planned itself (an import hands over the plans it made).
    let planned = DeliveryTally()

    public init(
        store: any DeliveryQueue, pipelines: [Pipeline], crisp: CrispClient, context: TransformContext,
        configuration: Configuration = Configuration(), recorder: RequestRecorder? = nil,
        signal: WorkSignal = WorkSignal(), logger: Logger
    ) {
        self.init(
            store: store, catalog: PipelineCatalog(pipelines, environment: context.environment), crisp: crisp,
            context: context,
            configuration: configuration, recorder: recorder, signal: signal, logger: logger)
    }

    init(
        store: any DeliveryQueue, catalog: PipelineCatalog, crisp: CrispClient, context: TransformContext,
        configuration: Configuration = Configuration(), recorder: RequestRecorder? = nil,
        signal: WorkSignal = WorkSignal(), parsed: ParsedRequestCache = ParsedRequestCache(), logger: Logger
    ) {
        self.parsed = parsed
        self.claimed = ClaimedEvents(lease: configuration.lease)
        self.signal = signal
        self.recorder = recorder
        self.store = store
        self.catalog = catalog
        self.crisp = crisp
        var context = context
        context.verifySignatures = false  // verified at intake; credentials are not stored
        self.baseContext = context
        tokens = ServiceAccountTokens(fetcher: context.fetcher)
        conversationGuard = ConversationGuard(limit: configuration.conversationWrites, ledger: store)
        self.configuration = configuration
        self.logger = logger
    }

    /// What ServiceLifecycle logs for this service: no settings, no environment, no credentials.
    public var description: String {
        "DeliveryWorker(pipelines: \(catalog.current.pipelines.count), concurrency: \(configuration.concurrency))"
    }

    /// Runs `concurrency` loops until a graceful shutdown; an event in progress is finished first, and events
    /// claimed for loops that had not started them are given back.
    public func run() async throws {
        logger.info("delivery worker started", metadata: ["concurrency": "\(configuration.concurrency)"])
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<configuration.concurrency {
                group.addTask {
                    while !Task.isShuttingDownGracefully && !Task.isCancelled {
                        if await !processNext() { await signal.wait(upTo: configuration.pollInterval) }
                    }
                }
            }
        }
        await giveBackUnstarted(claimed.drain())
        logger.info("delivery worker stopped")
    }

    /// Processes one due event: one an earlier claim kept for an idle loop, else one it claims, taking along as
    /// many more as there are idle loops (`ClaimedEvents`); false when none was due.
    func processNext() async -> Bool {
        // While Crisp's daily quota is used up, nothing is claimed but the probe: events keep their place.
        if let quota = crisp.quota, !quota.mayStartWork() {
            await giveBackUnstarted(claimed.drain())
            return false
        }
        let (kept, stale) = claimed.take()
        await giveBackUnstarted(stale)
        if let kept {
            await process(kept)
            return true
        }
        do {
            // This loop's event, and one for each loop waiting for work (woken below): a loop busy with an event,
            // or claiming for itself, gets none, so no claimed event waits for a loop.
            let limit = min(configuration.claimBatch, 1 + signal.waiting)
            let claimedAt = ContinuousClock.now
            let events = try await store.claimDue(
                now: clock.now(), limit: limit, lease: configuration.lease, pipelines: catalog.current.names)
            guard let event = events.first else { return false }
            if events.count > 1 {
                claimed.keep(events.dropFirst(), claimedAt: claimedAt)
                signal.signal(waking: events.count - 1)
            }
            await process(event)
            return true
        } catch {
            // The store is failing (unreachable, its file gone): back off, and say so once in a while, not on
            // every try of every loop.
            if claimFailures.allows() { logger.error("cannot claim events (retrying every 5 s): \(error)") }
            try? await Task.sleep(for: .seconds(5))
            return false
        }
    }

    /// One Crisp operation (its HTTP requests paced by the rate limiter, in the client), timed for the metrics;
    /// true when it had to create the profile.
    func call(_ operation: CrispOperation, knownToExist: Bool) async throws(CrispError) -> Bool {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let created = try await crisp.execute(operation, knownToExist: knownToExist)
            BridgeMetrics.crispCall(operation: operation.actionName, result: "ok", duration: clock.now - start)
            return created
        } catch {
            BridgeMetrics.crispCall(
                operation: operation.actionName, result: error.shortDescription, duration: clock.now - start)
            throw error
        }
    }

    /// One attempt at one event: plan it, then execute what `DeliveryLifecycle` answers, step by step, feeding
    /// each result back, until it finishes or abandons the attempt. The rules live in the lifecycle; this only
    /// executes and reports. The lease is kept alive from the claim on, planning and fetches included. A fresh
    /// event with others of its contact waiting right behind it takes them along (`deliverTogether`).
    func process(_ event: StoredEvent) async {
        var event = event
        var log = logger
        log[metadataKey: "pipeline"] = "\(event.pipeline)"
        log[metadataKey: "event"] = "\(event.id)"
        let startedAt = clock.now()
        let lease = LeaseGroup([event], store: store, length: configuration.lease, clock: clock)
        let heartbeat = lease.keepAlive()
        defer { heartbeat.cancel() }
        do {
            var lifecycle = lifecycle(for: event)
            let (input, operations) = try await plan(&event)
            var action = lifecycle.handle(input, now: clock.now())
            let contact = operations.first?.orderSubject
            // The contact is recorded before the first operation (events of one contact go in order); intake
            // already stored it when the pipeline's order key is the email.
            if case .planned = input, let contact, contact != event.contact, !lease.lost {
                try await store.saveProgress(
                    eventID: event.id, progress: event.progress, contact: contact,
                    inflightSince: event.inflightSince, written: nil, plannedBy: event.plannedBy)
            }
            // Followers are looked for only where the claim saw some waiting (or did not look).
            if action == .send(index: 0) || action == .markInFlight(index: 0), event.mayCoalesce,
                configuration.coalesce > 1, !lease.lost, event.claimed?.followersWaiting != false
            {
                let followers = try await store.claimFollowers(
                    of: event, limit: configuration.coalesce - 1, lease: configuration.lease, now: clock.now())
                if !followers.isEmpty {
                    try await deliverTogether(event, operations, followers, lease, startedAt, log)
                    return
                }
            }
            if lease.lost { action = lifecycle.handle(.leaseLost, now: clock.now()) }
            var writes = Writes(force: forcesWrites(event))
            writes.seed(from: event)
            _ = try await run(
                &lifecycle, from: action, event, operations, contact, &writes, leases: [lease], startedAt, log)
        } catch {
            log.error("store failure while delivering: \(error)")  // the lease runs out and it comes back
        }
    }

    /// Gives claimed events back to the store unstarted (their lease ends; nothing else changes).
    func giveBackUnstarted(_ eventIDs: [Int64]) async {
        guard !eventIDs.isEmpty else { return }
        do {
            try await store.release(eventIDs: eventIDs)
        } catch {
            logger.warning("could not give back \(eventIDs.count) claimed event(s); their lease runs out: \(error)")
        }
    }

    /// A lifecycle for `event` as it stands in the store.
    func lifecycle(for event: StoredEvent) -> DeliveryLifecycle {
        var lifecycle = configuration.lifecycle
        lifecycle.start(
            DeliveryLifecycle.Event(
                attempts: event.attempts, ageFrom: event.ageFrom, progress: event.progress,
                inFlight: event.inflightSince != nil))
        return lifecycle
    }

    /// Whether every value of `event` is written, even one equal to what was last written.
    func forcesWrites(_ event: StoredEvent) -> Bool {
        event.forceWrite || catalog.pipeline(named: event.pipeline)?.alwaysWrite == true
    }

    /// Executes `lifecycle`'s actions from `action` on, feeding each result back, until the attempt ends;
    /// returns how it ended (nil when abandoned). `finishing` turns the lifecycle's outcome into the one recorded
    /// (an event carried by another's attempt).
    func run(
        _ lifecycle: inout DeliveryLifecycle, from action: DeliveryAction, _ event: StoredEvent,
        _ operations: [CrispOperation], _ contact: String?, _ writes: inout Writes, leases: [LeaseGroup],
        _ startedAt: Date, _ log: Logger, finishing: (DeliveryOutcome) -> DeliveryOutcome = { $0 }
    ) async throws(BridgeStoreError) -> DeliveryOutcome? {
        var action = action
        // What the operations wrote since the last record, saved with the next mark or the finish.
        var written: [ContactWrites] = []
        // When this attempt marked an operation in flight (a look after an answer in doubt starts there).
        var markedAt = event.inflightSince
        // What this attempt did, operation by operation (kept with its record: `events show`).
        var done: [OperationLog] = []
        func note(_ index: Int, _ result: String) {
            done.append(
                OperationLog(
                    index: index, action: operations[index].actionName, subject: operations[index].logSubject,
                    result: result))
        }
        while true {
            if leases.contains(where: \.lost) { action = lifecycle.handle(.leaseLost, now: clock.now()) }
            switch action {
            case .markInFlight(let index):
                let now = clock.now()
                try await store.saveProgress(
                    eventID: event.id, progress: index, contact: contact, inflightSince: now, written: written,
                    plannedBy: event.plannedBy)
                written = []
                markedAt = now
                action = lifecycle.handle(.marked(index: index), now: clock.now())
            case .look(let index):
                do {
                    let happened = try await look(operations[index], since: markedAt, &writes)
                    if happened {
                        note(index, "done before a crash (found in Crisp): not sent again")
                        log.info("\(operations[index].actionName) happened before a crash; not running it again")
                        let posted = eventPosted(operations[index])
                        written.append(posted)
                        // Known at once: a later identical event of this attempt is looked for after it.
                        writes.fields[posted.contact]?.apply(posted.digests)
                    }
                    action = lifecycle.handle(.looked(index: index, happened: happened), now: clock.now())
                } catch {
                    let slowDown = (error as? CrispError).map { $0.isRateLimit || $0.retryAfter != nil } ?? false
                    action = lifecycle.handle(
                        .lookFailed(index: index, reason: "\(error)", slowDown: slowDown), now: clock.now())
                }
            case .send(let index):
                let (result, wrote) = try await send(operations[index], at: index, event, &writes, log)
                note(index, result.logText)
                if let wrote { written.append(wrote) }
                action = lifecycle.handle(.sent(index: index, result), now: clock.now())
            case .finish(let outcome):
                let recorded = finishing(outcome)
                let standing = lifecycle.event
                try await store.finish(
                    eventID: event.id, outcome: recorded, at: clock.now(), startedAt: startedAt,
                    plannedBy: event.plannedBy,
                    progress: ProgressSave(
                        progress: standing.progress, inflightSince: standing.inFlight ? markedAt : nil,
                        contact: contact, written: written, operations: done, warnings: event.planWarnings))
                report(recorded, event, contact: contact, since: startedAt, log)
                return recorded
            case .abandon(let reason):
                log.warning("\(reason); stopping this attempt without recording it")
                return nil
            }
        }
    }

    /// Plans the event from its stored request with the version of its pipeline that its progress counts in
    /// (the current one for a fresh event; a reload may have changed it since intake), recording that version in
    /// `event.plannedBy`: the input for the lifecycle, and the operations when there is a plan.
    func plan(_ event: inout StoredEvent) async throws(BridgeStoreError) -> (DeliveryInput, [CrispOperation]) {
        guard var pipeline = catalog.pipeline(named: event.pipeline) else {
            // Another process stored it (an `import` with its own pipeline, an instance with other files).
            return (.pipelineMissing(name: event.pipeline), [])
        }
        // An event part-way through its plan goes on with the version that made the plan: its progress counts
        // operations of that plan.
        if event.progress > 0 || event.inflightSince != nil, let started = event.plannedBy,
            started != pipeline.version
        {
            guard let original = catalog.pipeline(named: event.pipeline, version: started) else {
                return (
                    .pipelineVersionGone(name: event.pipeline, from: started, to: pipeline.version, replayID: event.id),
                    []
                )
            }
            pipeline = original
        }
        event.plannedBy = pipeline.version
        return try await plan(&event, with: pipeline)
    }

    /// Plans the event with `pipeline`, keeping the plan's warnings with it (`planWarnings`).
    func plan(_ event: inout StoredEvent, with pipeline: Pipeline) async throws(BridgeStoreError) -> (
        DeliveryInput, [CrispOperation]
    ) {
        let webhook: WebhookRequest
        let accepted: AcceptedRequest
        var handedOver: EventOutcome?
        if let cached = parsed[event.requestID]
            ?? parsed[.event(pipeline: event.pipeline, dedupeID: event.dedupeID)],
            cached.version == pipeline.version
        {
            (webhook, accepted) = (cached.webhook, cached.accepted)
            handedOver = cached.plans[event.index]
        } else {
            guard let stored = try await store.request(event.requestID) else {
                return (.unplannable(reason: "the stored request \(event.requestID) is missing"), [])
            }
            webhook = stored.webhook
            switch pipeline.accept(webhook, context: context) {
            case .failure(let error):
                return (.unplannable(reason: "the request no longer parses: \(error.message)"), [])
            case .success(let value):
                accepted = value
            }
            parsed.insert(
                .init(webhook: webhook, accepted: accepted, version: pipeline.version), for: event.requestID)
        }
        guard let planned = accepted.events.first(where: { $0.index == event.index }) else {
            // The pipeline's `each` changed since intake: say so and keep the event for a replay after a fix.
            return (
                .unplannable(
                    reason:
                        "the pipeline now splits this request into \(accepted.events.count) event(s); event \(event.index) is gone"
                ), []
            )
        }
        let outcome: EventOutcome
        if let handedOver {
            outcome = handedOver  // planned by an import in this process, by this version, with no fetch
        } else {
            var planContext = context
            let recording = recorder.map { _ in RecordingFetcher(context.fetcher) }
            if let recording { planContext.fetcher = recording }
            outcome = await pipeline.plan(planned, of: accepted, context: planContext)
            self.planned.add()
            if let recorder, let recording {
                recorder.recordFetches(
                    pipeline: pipeline.name, request: webhook, index: event.index, calls: recording.calls)
            }
        }
        event.planWarnings = outcome.warnings
        switch outcome.status {
        case .skipped(let reason):
            return (.skipped(reason: reason), [])
        case .failed(let reason, let retryable):
            return (.planFailed(reason: reason, retryable: retryable), [])
        case .planned(let operations):
            var earlier: Int64?
            if let contact = operations.first?.orderSubject {
                // The claim looked for it already when the event's contact was known then (intake stores it
                // when the order key is the email).
                if let claimed = event.claimed, contact == event.contact {
                    earlier = claimed.earlierOfContact
                } else {
                    earlier = try await store.earlierPendingEvent(contact: contact, before: event.id)
                }
            }
            return (.planned(operations.map(\.repeatability), earlierPending: earlier), operations)
        }
    }

    /// Logs and counts how an attempt that began at `startedAt` ended; a delivery at info, with its contact,
    /// operations and duration.
    func report(
        _ outcome: DeliveryOutcome, _ event: StoredEvent, contact: String?, since startedAt: Date, _ log: Logger
    ) {
        let name: String
        var log = log
        if let contact { log[metadataKey: "contact"] = "\(contact)" }
        let ms = Int((clock.now().timeIntervalSince(startedAt) * 1000).rounded())
        switch outcome {
        case .delivered(let n, let unchanged):
            name = "done"
            delivered.add()
            log.info("delivered: \(n) operation(s), \(unchanged) unchanged, in \(ms) ms")
        case .carried(let leader, _):
            name = "done"
            delivered.add()
            log.info("delivered with event \(leader), its writes merged into that event's, in \(ms) ms")
        case .skipped(let reason):
            name = "skipped"
            if let reason { log.info("skipped: \(reason)") }
        case .retry(let at, let reason, _):
            name = "retry"
            log.info("will retry at \(at): \(reason)")
        case .dead(let reason, _):
            name = "dead"
            log.warning("dead: \(reason)")
        case .waiting(let earlier, _):
            name = "waiting"
            log.debug("waits for event \(earlier) of the same contact")
        case .paused(let until, let reason):
            name = "paused"
            log.debug("paused until \(until): \(reason)")
        }
        BridgeMetrics.attempt(pipeline: event.pipeline, outcome: name)
    }
}
