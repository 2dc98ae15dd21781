import BridgeCore
import BridgeStore
import Crypto
import Foundation
import Logging

/// Runs the polls of one `trigger.poll` pipeline against the store: takes the pipeline's poll lease, asks the
/// API from the stored cursor, and stores the new items as events together with the new cursor (one
/// transaction), or records the failure and backs off with the old cursor kept.
public struct Poller: Sendable {
    /// How one poll went, for logs, metrics and `crisp-bridge poll --once`.
    public struct Report: Sendable {
        public var result: PollResult?
        public var failure: PollFailure?
        /// The items' dedupe ids and whether each was new.
        public var stored: [AcceptedEvent] = []
        /// When the next poll is due.
        public var next: Date
    }

    public let pipeline: Pipeline
    let poll: PollTrigger
    let store: any PollLedger
    let context: TransformContext
    let tokens: ServiceAccountTokens
    /// This instance's name in poll leases.
    let owner: String
    let logger: Logger
    /// The time polls fall due, are leased and are recorded by.
    let clock: any BridgeClock

    /// How long a poll may hold its pipeline's lease: an instance killed mid-poll blocks the others this long.
    static let lease: TimeInterval = 120
    /// A poll stops reading pages after this long and keeps what it found; the next poll goes on at once.
    static let pagingBudget: TimeInterval = 60
    /// When this process started: the lag of a pipeline never polled counts from here.
    static let processStart = SystemClock().now()
    /// The longest wait between polls after failures.
    static let maximumBackoff: TimeInterval = 3600

    public init(
        pipeline: Pipeline, store: any PollLedger, context: TransformContext, tokens: ServiceAccountTokens,
        owner: String, logger: Logger, clock: any BridgeClock = SystemClock()
    ) throws(ImportError) {
        guard let poll = pipeline.trigger.poll else {
            throw ImportError("pipeline \(pipeline.name) has no trigger.poll: it is not polled")
        }
        self.pipeline = pipeline
        self.poll = poll
        self.store = store
        self.context = context
        self.tokens = tokens
        self.owner = owner
        self.logger = logger
        self.clock = clock
        _ = Self.processStart
    }

    /// Polls once if the pipeline is due (or at once with `force`) and nobody else holds its lease. Returns nil
    /// when it did not poll, with the time to look again.
    public func pollIfDue(force: Bool = false, now: Date? = nil) async throws(BridgeStoreError) -> (Report?, Date) {
        let now = now ?? clock.now()
        if !force {
            let state = try await store.pollStates().first { $0.pipeline == pipeline.name }
            BridgeMetrics.pollLag(
                pipeline: pipeline.name, seconds: now.timeIntervalSince(state?.lastSuccessAt ?? Self.processStart))
            if let due = state?.nextPollAt, due > now { return (nil, due) }
            if let until = state?.leaseUntil, state?.leaseOwner != owner, until > now { return (nil, until) }
        }
        guard
            let state = try await store.claimPoll(
                pipeline: pipeline.name, owner: owner, now: now, until: now.addingTimeInterval(Self.lease),
                onlyIfDue: !force)
        else {
            let state = try await store.pollStates().first { $0.pipeline == pipeline.name }
            let wait = [state?.leaseUntil, state?.nextPollAt].compactMap { $0 }.filter { $0 > now }.min()
            return (nil, max(wait ?? now, now.addingTimeInterval(1)))
        }
        let report = try await run(from: state, now: now)
        return (report, report.next)
    }

    /// One poll from `state` (the lease is held): the API, then the store.
    private func run(from state: PollState, now: Date) async throws(BridgeStoreError) -> Report {
        let started = ContinuousClock.now
        do {
            var authorization: String?
            if let account = poll.serviceAccount {
                let keyFile: String?
                do {
                    keyFile = try pipeline.serviceAccountKeyFile(environment: context.environment)
                } catch {
                    throw PollFailure(error.message)
                }
                if let keyFile {
                    authorization = try await tokens.authorization(keyFile: keyFile, scopes: account.scopes)
                }
            }
            var result = try await pipeline.poll(
                cursor: state.cursor, resume: state.resume, context: context, authorization: authorization, now: now,
                deadline: started + .seconds(Self.pagingBudget))
            let items = stored(result.items, at: now)
            let seen = stored(result.recorded, at: now).map(\.event.dedupeID)
            let done = clock.now()
            // A poll that stopped before its last page goes on soon, from where it stopped (a few seconds on,
            // so an API flooded with new items is not asked without a pause).
            var next =
                result.morePages ? done.addingTimeInterval(min(poll.every, 5)) : now.addingTimeInterval(poll.every)
            if let interruption = result.interruption {
                // A later page failed: the pages before it are kept; that page is asked again after a pause.
                next = done.addingTimeInterval(max(poll.every, interruption.retryAfter ?? 0))
                logger.warning(
                    "poll \(pipeline.name): a page failed after \(result.requests) page(s) were read; they are kept and the next poll, at \(BridgeTime.iso(next)), asks for that page again: \(interruption.reason)"
                )
            }
            let accepted = try await store.finishPoll(
                pipeline: pipeline.name, owner: owner,
                completion: .succeeded(
                    items: items, seen: seen, cursor: result.cursor, resume: result.resume, problem: result.stuck),
                at: done, next: next)
            result.items = []  // kept in the store now
            let new = accepted.filter { !$0.duplicate }.count
            BridgeMetrics.poll(
                pipeline: pipeline.name,
                outcome: result.stuck != nil ? "stuck" : result.interruption == nil ? "ok" : "partial",
                items: new, duration: done.timeIntervalSince(now), now: done)
            if let stuck = result.stuck {
                logger.warning(
                    "poll \(pipeline.name): paging stopped after \(result.requests) page(s), the next poll at \(BridgeTime.iso(next)): \(stuck)"
                )
            }
            if result.morePages, result.interruption == nil {
                logger.notice(
                    "poll \(pipeline.name): stopped after \(result.requests) page(s) with more to read; the next poll goes on from there"
                )
            }
            if result.onlyRecorded {
                logger.notice(
                    "poll \(pipeline.name): first poll (start: now) recorded where things stand: \(result.found) item(s) seen, none delivered; later items will be"
                )
            } else if new > 0 {
                logger.info("poll \(pipeline.name): \(new) new item(s) stored (\(result.found) listed)")
            }
            return Report(result: result, stored: accepted, next: next)
        } catch let failure as PollFailure where !Task.isCancelled {
            return try await fail(failure, state: state, now: now)
        } catch is PollFailure, is CancellationError {
            // Stopping (serve shuts down): not the API's fault; the lease runs out and the poll is made again.
            throw BridgeStoreError("the poll of \(pipeline.name) was stopped")
        } catch let error as BridgeStoreError {
            throw error
        } catch {
            return try await fail(PollFailure("\(error)"), state: state, now: now)
        }
    }

    private func fail(_ failure: PollFailure, state: PollState, now: Date) async throws(BridgeStoreError) -> Report {
        if failure.status == 401, let account = poll.serviceAccount,
            let keyFile = try? pipeline.serviceAccountKeyFile(environment: context.environment)
        {
            // The API refused the token (revoked, or the key's access changed): the next poll asks for a new one.
            await tokens.forget(keyFile: keyFile, scopes: account.scopes)
        }
        let backoff = min(poll.every * pow(2, Double(min(state.failures, 20))), max(Self.maximumBackoff, poll.every))
        let next = now.addingTimeInterval(max(backoff, failure.retryAfter ?? 0))
        _ = try await store.finishPoll(
            pipeline: pipeline.name, owner: owner, completion: .failed(reason: failure.reason), at: clock.now(),
            next: next)
        BridgeMetrics.poll(
            pipeline: pipeline.name, outcome: failure.status.map(String.init) ?? "error", items: 0, duration: nil,
            now: clock.now())
        logger.warning(
            "poll \(pipeline.name) failed (\(state.failures + 1) in a row), the cursor is kept; next poll at \(BridgeTime.iso(next)): \(failure.reason)"
        )
        return Report(result: nil, failure: failure, next: next)
    }

    /// The items as the store keeps them: each its own request (the item is the body) and event.
    func stored(_ items: [JSONValue], at date: Date) -> [PolledItem] {
        var intake = context
        intake.verifySignatures = false
        return items.map { item in
            let request = pipeline.pollRequest(for: item, at: date)
            var event = IncomingEvent(index: 0, dedupeID: Self.fallbackID(request))
            if case .success(let accepted) = pipeline.accept(request, context: intake, body: item),
                let first = accepted.events.first
            {
                event = IncomingEvent(
                    index: 0, dedupeID: first.id, orderKey: first.orderKey,
                    contact: pipeline.orderKeyIsEmail ? first.orderKey : nil)
            }
            return PolledItem(request: IncomingRequest(pipeline: pipeline.name, webhook: request), event: event)
        }
    }

    /// This process's name in poll leases: host, process id and a random part.
    public static func instanceName() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    }

    /// An item's id when `poll.id` cannot be computed: its body's digest (the event fails with the reason).
    static func fallbackID(_ request: WebhookRequest) -> String {
        "sha256:" + SHA256.hash(data: request.body).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
