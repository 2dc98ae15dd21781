import BridgeCore
import BridgeStore
import CrispPeople
import Foundation
import Logging
import ServiceLifecycle

/// Claims due events, plans them (fetches included), and carries the plan out in Crisp, recording how far it
/// got so a retry never repeats an operation; retryable failures come back later, permanent ones are dead.
public struct DeliveryWorker: Service {
    public struct Configuration: Sendable {
        /// Events handled at once.
        public var concurrency: Int = 8
        /// How long a claimed event is leased; a crash releases it after this.
        public var lease: TimeInterval = 120
        /// How often to look for due events when there were none.
        public var pollInterval: Duration = .milliseconds(100)
        public var schedule = RetrySchedule()
        /// How long a later event for a contact waits before checking again whether the earlier one is through.
        public var orderingWait: TimeInterval = 1
        public init() {}
    }

    let store: any BridgeStore
    let pipelines: [String: Pipeline]
    let crisp: CrispClient
    let context: TransformContext
    let configuration: Configuration
    let logger: Logger
    /// With `serve --record`: where the fetch answers of recorded requests are saved.
    let recorder: RequestRecorder?

    public init(
        store: any BridgeStore, pipelines: [Pipeline], crisp: CrispClient, context: TransformContext,
        configuration: Configuration = Configuration(), recorder: RequestRecorder? = nil,
        logger: Logger
    ) {
        self.recorder = recorder
        self.store = store
        self.pipelines = Dictionary(pipelines.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.crisp = crisp
        var context = context
        context.verifySignatures = false  // verified at intake; credentials are not stored
        self.context = context
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `concurrency` loops, each claiming one due event at a time, until a graceful shutdown; an event in
    /// progress is finished first.
    public func run() async throws {
        logger.info("delivery worker started", metadata: ["concurrency": "\(configuration.concurrency)"])
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<configuration.concurrency {
                group.addTask {
                    while !Task.isShuttingDownGracefully && !Task.isCancelled {
                        if await !processNext() { try? await Task.sleep(for: configuration.pollInterval) }
                    }
                }
            }
        }
        logger.info("delivery worker stopped")
    }

    /// Claims and processes one due event; false when none was due.
    func processNext() async -> Bool {
        do {
            guard let event = try await store.claimDue(now: Date(), limit: 1, lease: configuration.lease).first else {
                return false
            }
            await process(event)
            return true
        } catch {
            logger.error("cannot claim events: \(error)")
            return false
        }
    }

    /// One Crisp operation (its HTTP requests paced by the rate limiter, in the client), timed for the metrics.
    private func call(_ operation: CrispOperation) async throws(CrispError) {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await crisp.execute(operation)
            BridgeMetrics.crispCall(operation: operation.actionName, result: "ok", duration: clock.now - start)
        } catch {
            BridgeMetrics.crispCall(
                operation: operation.actionName, result: error.shortDescription, duration: clock.now - start)
            throw error
        }
    }

    /// One attempt at one event.
    func process(_ event: StoredEvent) async {
        var log = logger
        log[metadataKey: "pipeline"] = "\(event.pipeline)"
        log[metadataKey: "event"] = "\(event.id)"
        let now = Date()
        func finish(_ next: NextStep, _ outcome: String, status: Int? = nil, _ reason: String) async {
            BridgeMetrics.attempt(pipeline: event.pipeline, outcome: outcome)
            do {
                try await store.finish(
                    eventID: event.id, next: next,
                    attempt: AttemptRecord(
                        eventID: event.id, at: Date(), outcome: outcome, httpStatus: status, reason: reason))
            } catch {
                log.error("cannot record the attempt: \(error)")
            }
        }
        func retryOrDie(
            _ reason: String, status: Int? = nil, retryAfter: TimeInterval? = nil, throttled: Bool = false
        ) async {
            // A rate limit is Crisp asking everyone to slow down, not this event failing: retry soon, without
            // growing the backoff (the shared limiter has slowed down already).
            let step = configuration.schedule.next(
                attempts: throttled ? 2 : event.attempts + 1, received: event.createdAt, now: Date(),
                retryAfter: retryAfter)
            if step.giveUp {
                log.warning("dead after \(event.attempts + 1) attempts: \(reason)")
                await finish(.dead, "dead", status: status, "gave up after \(event.attempts + 1) attempts: \(reason)")
            } else {
                log.info("will retry at \(step.at): \(reason)")
                await finish(.retry(at: step.at), "retry", status: status, reason)
            }
        }

        guard let pipeline = pipelines[event.pipeline] else {
            await finish(.dead, "dead", "pipeline '\(event.pipeline)' is not loaded; fix it, then replay")
            return
        }
        let stored: StoredRequest
        do {
            guard let found = try await store.request(event.requestID) else {
                await finish(.dead, "dead", "the stored request \(event.requestID) is missing")
                return
            }
            stored = found
        } catch {
            log.error("cannot read the request: \(error)")
            return  // the lease runs out and the event comes back
        }
        let webhook = stored.webhook
        let accepted: AcceptedRequest
        switch pipeline.accept(webhook, context: context) {
        case .failure(let error):
            await finish(.dead, "dead", "the request no longer parses: \(error.message)")
            return
        case .success(let value):
            accepted = value
        }
        guard let planned = accepted.events.first(where: { $0.index == event.index }) else {
            // The pipeline's `each` changed since intake: say so and keep the event for a replay after a fix.
            await finish(
                .dead, "dead",
                "the pipeline now splits this request into \(accepted.events.count) event(s); event \(event.index) is gone"
            )
            return
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
        case .skipped:
            await finish(.done, "skipped", "skipped by when")
        case .failed(let reason, let retryable):
            if retryable {
                await retryOrDie(reason)
            } else {
                log.warning("dead: \(reason)")
                await finish(.dead, "dead", reason)
            }
        case .planned(let operations):
            let contact = operations.first?.email
            do {
                if let contact {
                    try await store.saveProgress(
                        eventID: event.id, progress: event.progress, contact: contact,
                        inflightSince: event.inflightSince)
                    if try await store.hasEarlierPendingEvent(contact: contact, before: event.id) {
                        await finish(
                            .retry(at: now.addingTimeInterval(configuration.orderingWait)), "waiting",
                            "an earlier event for this contact is not through yet")
                        return
                    }
                }
                var done = event.progress
                while done < operations.count {
                    let operation = operations[done]
                    if case .event(let profileEvent) = operation {
                        // Not idempotent: mark it started; after a crash, look before posting again.
                        if let since = event.inflightSince, done == event.progress,
                            try await crisp.hasEvent(profileEvent, since: since.addingTimeInterval(-1))
                        {
                            log.info("the event was posted before a crash; not posting it again")
                        } else {
                            try await store.saveProgress(
                                eventID: event.id, progress: done, contact: contact, inflightSince: Date())
                            try await call(operation)
                        }
                    } else {
                        try await call(operation)
                    }
                    done += 1
                    try await store.saveProgress(
                        eventID: event.id, progress: done, contact: contact, inflightSince: nil)
                }
                log.debug("delivered \(operations.count) operations")
                await finish(
                    .done, "done", "delivered \(operations.count) operation\(operations.count == 1 ? "" : "s")")
            } catch let error as CrispError {
                if error.isRetryable {
                    await retryOrDie(
                        error.description, status: error.status,
                        retryAfter: error.retryAfter.map { Double($0.components.seconds) }, throttled: error.isRateLimit
                    )
                } else {
                    log.warning("dead: \(error.description)")
                    await finish(.dead, "dead", status: error.status, error.description)
                }
            } catch {
                log.error("store failure while delivering: \(error)")  // the lease runs out and it comes back
            }
        }
    }
}
