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
        /// Conversation operations (`crisp.conversation`, `crisp.note`) per session in 10 minutes before the loop
        /// guard stops them (0: no guard).
        public var conversationWrites = 20
        public init() {}
    }

    let store: any BridgeStore
    /// The pipelines that plan events: the current version of each (a reload may swap them meanwhile).
    let catalog: PipelineCatalog
    let crisp: CrispClient
    let context: TransformContext
    /// Google service-account tokens for `http` actions that sign in with one.
    let tokens: ServiceAccountTokens
    /// The loop guard: conversation writes per session.
    let conversationGuard: ConversationGuard
    let configuration: Configuration
    let logger: Logger
    /// With `serve --record`: where the fetch answers of recorded requests are saved.
    let recorder: RequestRecorder?
    /// Requests read and split lately: a batch's events are planned from one parse.
    let parsed = ParsedRequestCache()
    /// Wakes idle loops when work arrives.
    let signal: WorkSignal
    /// Failures to claim are logged at most every 30 s.
    let claimFailures = LogThrottle(every: .seconds(30))

    public init(
        store: any BridgeStore, pipelines: [Pipeline], crisp: CrispClient, context: TransformContext,
        configuration: Configuration = Configuration(), recorder: RequestRecorder? = nil,
        signal: WorkSignal = WorkSignal(), logger: Logger
    ) {
        self.init(
            store: store, catalog: PipelineCatalog(pipelines), crisp: crisp, context: context,
            configuration: configuration, recorder: recorder, signal: signal, logger: logger)
    }

    init(
        store: any BridgeStore, catalog: PipelineCatalog, crisp: CrispClient, context: TransformContext,
        configuration: Configuration = Configuration(), recorder: RequestRecorder? = nil,
        signal: WorkSignal = WorkSignal(), logger: Logger
    ) {
        self.signal = signal
        self.recorder = recorder
        self.store = store
        self.catalog = catalog
        self.crisp = crisp
        var context = context
        context.verifySignatures = false  // verified at intake; credentials are not stored
        self.context = context
        tokens = ServiceAccountTokens(fetcher: context.fetcher)
        conversationGuard = ConversationGuard(limit: configuration.conversationWrites)
        self.configuration = configuration
        self.logger = logger
    }

    /// What ServiceLifecycle logs for this service: no settings, no environment, no credentials.
    public var description: String {
        "DeliveryWorker(pipelines: \(catalog.current.pipelines.count), concurrency: \(configuration.concurrency))"
    }

    /// Runs `concurrency` loops, each claiming one due event at a time, until a graceful shutdown; an event in
    /// progress is finished first.
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
        logger.info("delivery worker stopped")
    }

    /// Claims and processes one due event; false when none was due.
    func processNext() async -> Bool {
        // While Crisp's daily quota is used up, nothing is claimed but the probe: events keep their place.
        if let quota = crisp.quota, !quota.mayStartWork() { return false }
        do {
            guard let event = try await store.claimDue(now: Date(), limit: 1, lease: configuration.lease).first else {
                return false
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

    /// One attempt at one event: plan it, then carry out what `DeliveryLifecycle` decides, step by step, and
    /// persist how it ended. The rules live in the lifecycle; this only performs and reports. A fresh event
    /// with others of its contact waiting right behind it takes them along (`deliverTogether`).
    func process(_ event: StoredEvent) async {
        var event = event
        var log = logger
        log[metadataKey: "pipeline"] = "\(event.pipeline)"
        log[metadataKey: "event"] = "\(event.id)"
        let startedAt = Date()
        do {
            guard var pipeline = catalog.pipeline(named: event.pipeline) else {
                // Another process stored it (an `import` with its own pipeline, an instance with other files):
                // it waits for one that has the pipeline, without an attempt, rather than failing here.
                let outcome = DeliveryOutcome.paused(
                    until: Date().addingTimeInterval(60),
                    reason:
                        "no pipeline named \(event.pipeline) is loaded here: waiting for a crisp-bridge that has it")
                try await store.finish(
                    eventID: event.id, outcome: outcome, at: Date(), startedAt: startedAt, plannedBy: nil)
                report(outcome, event, log)
                return
            }
            // An event part-way through its plan goes on with the version that made the plan: its progress
            // counts operations of that plan. When that version is no longer known here (a restart since), it
            // cannot go on safely: it ends dead, to be replayed whole with the pipeline as it is now.
            if event.progress > 0 || event.inflightSince != nil, let started = event.plannedBy,
                started != pipeline.version
            {
                guard let original = catalog.pipeline(named: event.pipeline, version: started) else {
                    let outcome = DeliveryOutcome.dead(
                        reason:
                            "the pipeline \(event.pipeline) changed (\(started) → \(pipeline.version)) while this event was part-way through its \(event.progress) first operation(s): replay it (`crisp-bridge events replay \(event.id)`) to deliver it whole with the new version",
                        status: nil)
                    try await store.finish(
                        eventID: event.id, outcome: outcome, at: Date(), startedAt: startedAt, plannedBy: started)
                    report(outcome, event, log)
                    return
                }
                pipeline = original
            }
            let (step, operations) = try await plan(event, with: pipeline)
            event.plannedBy = pipeline.version
            let decision = configuration.lifecycle.decide(step, for: standing(event), now: Date())
            var contact = operations.first?.subject.key
            // The contact is recorded before the first operation (events of one contact go in order); intake
            // already stored it when the pipeline's order key is the email. Progress saves carry the version.
            if case .planned = step, let email = contact {
                if email != event.contact {
                    try await store.saveProgress(
                        eventID: event.id, progress: event.progress, contact: email,
                        inflightSince: event.inflightSince, written: nil, plannedBy: pipeline.version)
                }
            } else {
                contact = nil
            }
            if case .perform(0) = decision, event.mayCoalesce, configuration.coalesce > 1 {
                let followers = try await store.claimFollowers(
                    of: event, limit: configuration.coalesce - 1, lease: configuration.lease, now: Date())
                if !followers.isEmpty {
                    try await deliverTogether(event, operations, followers, contact, startedAt, log)
                    return
                }
            }
            try await deliver(event, operations, decision, contact, startedAt, log)
        } catch {
            log.error("store failure while delivering: \(error)")  // the lease runs out and it comes back
        }
    }

    /// Where an event stands as an attempt begins, for the lifecycle.
    func standing(_ event: StoredEvent) -> DeliveryLifecycle.Event {
        DeliveryLifecycle.Event(attempts: event.attempts, ageFrom: event.ageFrom, progress: event.progress)
    }

    /// Carries out an event's plan from `decision` on, one operation after the other, and records how it ended.
    func deliver(
        _ event: StoredEvent, _ operations: [CrispOperation], _ decision: DeliveryDecision, _ contact: String?,
        _ startedAt: Date, _ log: Logger
    ) async throws(BridgeStoreError) {
        var decision = decision
        // What was last written to the contact: values equal to it are not sent again.
        var writes = Writes(
            force: event.forceWrite || catalog.pipeline(named: event.pipeline)?.alwaysWrite == true)
        // The lease is renewed in the background while the event is carried out; no operation starts once
        // another worker may have the event.
        let lease = LeaseGroup([event], store: store, length: configuration.lease)
        guard await lease.confirm().count == 1 else {
            log.warning("the lease ran out before the attempt began and another worker has the event; leaving it")
            return
        }
        let heartbeat = lease.keepAlive()
        defer { heartbeat.cancel() }
        while case .perform(let index) = decision {
            guard !lease.lost else {
                log.warning("the lease ran out and another worker may have the event; stopping this attempt")
                return
            }
            let result = try await perform(
                operations[index], at: index, of: operations.count, event, contact, &writes, log)
            decision = configuration.lifecycle.decide(result, for: standing(event), now: Date())
        }
        guard case .finish(var outcome) = decision else { return }
        if case .delivered(let count, _) = outcome, writes.unchanged > 0 {
            outcome = .delivered(operations: count, unchanged: writes.unchanged)
        }
        guard !lease.lost else {
            log.warning("the lease ran out and another worker may have the event; not recording this attempt")
            return
        }
        try await store.finish(
            eventID: event.id, outcome: outcome, at: Date(), startedAt: startedAt, plannedBy: event.plannedBy)
        report(outcome, event, log)
    }

    /// Plans the event from its stored request: the step to report, and the operations when there is a plan.
    /// `pipeline` is the version of its pipeline current now (a reload may have changed it since intake).
    func plan(_ event: StoredEvent, with pipeline: Pipeline) async throws(BridgeStoreError) -> (
        DeliveryStep, [CrispOperation]
    ) {
        let webhook: WebhookRequest
        let accepted: AcceptedRequest
        if let cached = parsed[event.requestID], cached.version == pipeline.version {
            (webhook, accepted) = (cached.webhook, cached.accepted)
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
        var planContext = context
        let recording = recorder.map { _ in RecordingFetcher(context.fetcher) }
        if let recording { planContext.fetcher = recording }
        let outcome = await pipeline.plan(planned, of: accepted, context: planContext)
        if let recorder, let recording {
            recorder.recordFetches(
                pipeline: pipeline.name, request: webhook, index: event.index, calls: recording.calls)
        }
        switch outcome.status {
        case .skipped(let reason):
            return (.skipped(reason: reason), [])
        case .failed(let reason, let retryable):
            return (.planFailed(reason: reason, retryable: retryable), [])
        case .planned(let operations):
            var earlier: Int64?
            if let contact = operations.first?.subject.key {
                earlier = try await store.earlierPendingEvent(contact: contact, before: event.id)
            }
            return (.planned(operations: operations.count, earlierPending: earlier), operations)
        }
    }

    /// Logs and counts how an attempt ended.
    func report(_ outcome: DeliveryOutcome, _ event: StoredEvent, _ log: Logger) {
        let name: String
        switch outcome {
        case .delivered(let n, let unchanged):
            name = "done"
            log.debug("delivered \(n) operations (\(unchanged) unchanged)")
        case .carried(let leader, _):
            name = "done"
            log.debug("delivered with event \(leader), its writes merged into that event's")
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
