import Foundation

/// The rules of delivering one event, in one place and without I/O: a state machine that is told what happened
/// (`DeliveryInput`) and answers with the one thing to do next (`DeliveryAction`). The worker only executes
/// actions (plans, marks, looks, sends, saves, finishes) and feeds their results back; it holds no rule.
///
/// The promises it keeps, checked on every step by `DeliveryLifecycleProperties` with random inputs: an operation
/// that must not run twice is marked in flight before it is sent, and once in doubt it is only sent again after a
/// look said it did not happen (or, with no way to look, never); progress never moves backwards; nothing is sent
/// once the lease is lost; every attempt ends in exactly one action that ends it (`finish` or `abandon`).
///
/// Time and chance are inputs (`now`, `random`), so every transition is tested without a clock.
public struct DeliveryLifecycle: Sendable {
    /// Where an event stands when an attempt begins, as the store holds it.
    public struct Event: Sendable, Hashable {
        /// Attempts made so far (waiting and pauses are not attempts).
        public var attempts: Int
        /// Where its age limit counts from: when it was received, or last replayed.
        public var ageFrom: Date
        /// Operations of the plan already carried out: the attempt resumes after them.
        public var progress: Int
        /// Whether the operation at `progress` was marked in flight and its outcome never recorded (a crash, a
        /// lost answer): it may have happened.
        public var inFlight: Bool

        public init(attempts: Int, ageFrom: Date, progress: Int, inFlight: Bool = false) {
            self.attempts = attempts
            self.ageFrom = ageFrom
            self.progress = progress
            self.inFlight = inFlight
        }
    }

    /// Where the attempt is.
    enum Phase: Sendable, Hashable {
        /// Waiting for the plan.
        case planning
        /// Operation `index` is next: marking, looking or sending it.
        case running(index: Int)
        /// Ended: every later input is answered with the same ending.
        case ended(DeliveryAction)
    }

    public var schedule: RetrySchedule
    /// How long a waiting event stays unclaimed at most before it looks again (it is claimed as soon as the
    /// earlier event is through, and no sooner than this).
    public var orderingWait: TimeInterval
    /// How long an event waits, without an attempt, for a process that has its pipeline.
    public var missingPipelineWait: TimeInterval

    /// The event as the attempt found it, updated as operations go through: what `finish` records (its
    /// progress, and whether the operation at it is still in flight).
    public private(set) var event: Event
    /// How each operation of the plan may be repeated.
    public private(set) var operations: [OperationRepeat] = []
    /// Operations not sent because nothing in them changed.
    public private(set) var unchanged = 0
    /// The progress the attempt began with: an attempt that got further retries with a fresh backoff.
    var startProgress = 0
    /// Sends and looks of the current operation tried again at once so far (each has its own tries).
    var retriedAtOnce = 0
    var lookedAgainAtOnce = 0
    /// How many times a retryable failure of one operation's send, and apart from it of its look, is tried again
    /// at once, within the attempt.
    public var retriesAtOnce: Int
    var phase: Phase = .planning

    /// A lifecycle with these rules, for `event` (a template's event is replaced by `start`).
    public init(
        event: Event = Event(attempts: 0, ageFrom: .distantPast, progress: 0),
        schedule: RetrySchedule = RetrySchedule(),
        orderingWait: TimeInterval = 1, missingPipelineWait: TimeInterval = 60, retriesAtOnce: Int = 3
    ) {
        self.event = event
        self.retriesAtOnce = retriesAtOnce
        self.schedule = schedule
        self.orderingWait = orderingWait
        self.missingPipelineWait = missingPipelineWait
    }

    /// Begins a new attempt for `event` with the same rules.
    public mutating func start(_ event: Event) {
        self.event = event
        operations = []
        unchanged = 0
        startProgress = event.progress
        retriedAtOnce = 0
        lookedAgainAtOnce = 0
        phase = .planning
    }

    /// Whether the attempt has ended (its last action was `finish` or `abandon`). A `leaseLost` after a `finish`
    /// still turns it into `abandon`: execute the finish only while the lease holds.
    public var isEnded: Bool {
        if case .ended = phase { true } else { false }
    }

    /// Takes what happened and answers with what to do next.
    public mutating func handle(_ input: DeliveryInput, now: Date, random: Double = Double.random(in: -1...1))
        -> DeliveryAction
    {
        // A lost lease ends the attempt whatever it was doing, a finish not yet recorded included: another
        // worker may have the event.
        if input == .leaseLost {
            let action = DeliveryAction.abandon(reason: "the lease ran out and another worker may have the event")
            phase = .ended(action)
            return action
        }
        if case .ended(let action) = phase { return action }
        let action = next(after: input, now: now, random: random)
        switch action {
        case .finish, .abandon: phase = .ended(action)
        default: break
        }
        return action
    }

    private mutating func next(after input: DeliveryInput, now: Date, random: Double) -> DeliveryAction {
        switch (input, phase) {
        case (.pipelineMissing(let name), .planning):
            return .finish(
                .paused(
                    until: now.addingTimeInterval(missingPipelineWait),
                    reason: "no pipeline named \(name) is loaded here: waiting for a crisp-bridge that has it"))
        case (.pipelineVersionGone(let name, let from, let to, let replayID), .planning):
            return .finish(
                .dead(
                    reason:
                        "the pipeline \(name) changed (\(from) → \(to)) while this event was part-way through its \(event.progress) first operation(s): replay it (`crisp-bridge events replay \(replayID) --from-start`) to deliver it whole with the new version",
                    status: nil))
        case (.unplannable(let reason), .planning):
            return .finish(.dead(reason: reason, status: nil))
        case (.skipped(let reason), .planning):
            return .finish(.skipped(reason: reason))
        case (.planFailed(let reason, let retryable), .planning):
            return .finish(
                retryable
                    ? retry(reason: reason, status: nil, now: now, random: random) : .dead(reason: reason, status: nil))
        case (.planned(let operations, let earlier), .planning):
            if let earlier { return .finish(.waiting(for: earlier, until: now.addingTimeInterval(orderingWait))) }
            self.operations = operations
            startProgress = event.progress
            return start(event.progress)
        case (.marked(let index), .running(let current)) where index == current:
            event.inFlight = true
            return .send(index: index)
        case (.looked(let index, let happened), .running(let current)) where index == current:
            // It happened: it is done, and the in-flight mark goes with the progress. It did not: send it.
            return happened ? advance(past: index) : .send(index: index)
        case (.lookFailed(let index, _, let slowDown), .running(let current))
        where index == current && !slowDown && mayLookAgainAtOnce():
            return .look(index: index)
        case (.lookFailed(let index, let reason, _), .running(let current)) where index == current:
            // Still in doubt: the mark stays, and the next attempt looks again.
            return .finish(
                retry(reason: "could not check whether it happened: \(reason)", status: nil, now: now, random: random))
        case (.sent(let index, let result), .running(let current)) where index == current:
            return sent(index, result, now: now, random: random)
        default:
            return .abandon(reason: "the worker reported \(input) out of turn (\(phase)): a bug; the lease runs out")
        }
    }

    /// Operation `index` next, or the end of the plan.
    private mutating func start(_ index: Int) -> DeliveryAction {
        // A plan that shrank below what was done (a pipeline change) has nothing left to do.
        guard index < operations.count else {
            return .finish(.delivered(operations: operations.count, unchanged: unchanged))
        }
        if phase != .running(index: index) {
            retriedAtOnce = 0
            lookedAgainAtOnce = 0
        }
        phase = .running(index: index)
        let repeatable = operations[index]
        if event.inFlight && index == event.progress {
            switch repeatable {
            case .safe: return .send(index: index)
            case .afterLook: return .look(index: index)
            case .never:
                return .finish(
                    .dead(
                        reason:
                            "operation \(index + 1) may have been received before a crash; it cannot be checked and must not run twice, so it is not sent again (once you have checked the other side, `events replay --from-start` sends the whole plan again)",
                        status: nil))
            }
        }
        return repeatable == .safe ? .send(index: index) : .markInFlight(index: index)
    }

    /// What follows an operation's result.
    private mutating func sent(_ index: Int, _ result: SendResult, now: Date, random: Double) -> DeliveryAction {
        switch result {
        case .done:
            return advance(past: index)
        case .unchanged:
            unchanged += 1
            return advance(past: index)
        case .refused(let failure) where failure.retryable && mayRetryAtOnce(failure):
            // Answered: nothing happened, so nothing is in doubt; tried again at once.
            return .send(index: index)
        case .notSent(_, true) where mayRetryAtOnce(nil):
            return .send(index: index)
        case .inDoubt(let failure) where operations[index] != .never && mayRetryAtOnce(failure):
            // Sent again at once (safe), or looked for first (the mark stays).
            return operations[index] == .safe ? .send(index: index) : .look(index: index)
        case .refused(let failure):
            // Answered: nothing happened, so nothing is in doubt.
            let outcome =
                failure.retryable
                ? retry(
                    reason: failure.reason, status: failure.status, retryAfter: failure.retryAfter,
                    throttled: failure.rateLimited, now: now, random: random)
                : DeliveryOutcome.dead(reason: failure.reason, status: failure.status)
            return clearingMark(.finish(outcome))
        case .notSent(let reason, let retryable):
            let outcome =
                retryable
                ? retry(reason: reason, status: nil, now: now, random: random)
                : DeliveryOutcome.dead(reason: reason, status: nil)
            return clearingMark(.finish(outcome))
        case .quotaExhausted(let reason, let until):
            // Refused before anything was written; a pause, not an attempt, never dead for it.
            let outcome = DeliveryOutcome.paused(until: until, reason: reason)
            return clearingMark(.finish(outcome))
        case .inDoubt(let failure):
            switch operations[index] {
            case .safe, .afterLook:
                // Sent again (safe) or looked for first (the mark stays) by the next attempt.
                return .finish(
                    retry(
                        reason: failure.reason, status: failure.status, retryAfter: failure.retryAfter,
                        throttled: failure.rateLimited, now: now, random: random))
            case .never:
                return .finish(
                    .dead(
                        reason:
                            "\(failure.reason): it may have been carried out; it cannot be checked and must not run twice, so it is not sent again (once you have checked the other side, `events replay --from-start` sends the whole plan again)",
                        status: failure.status))
            }
        }
    }

    /// Whether a retryable failure of the current operation is tried again at once, within the attempt (no
    /// wait, so the lease is never held through a sleep): at most `retriesAtOnce` times per operation, and
    /// never when the other side asked to slow down (a rate limit, a `Retry-After`). Beyond that, the attempt
    /// ends with a retry at a time.
    private mutating func mayRetryAtOnce(_ failure: DeliveryFailure?) -> Bool {
        guard retriedAtOnce < retriesAtOnce, failure?.rateLimited != true, failure?.retryAfter == nil else {
            return false
        }
        retriedAtOnce += 1
        return true
    }

    /// Whether a look that failed is tried again at once: a look only reads, so it has its own `retriesAtOnce`
    /// tries, apart from the operation's sends.
    private mutating func mayLookAgainAtOnce() -> Bool {
        guard lookedAgainAtOnce < retriesAtOnce else { return false }
        lookedAgainAtOnce += 1
        return true
    }

    /// Operation `index` is done: the progress moves past it (and its mark, if any, goes), in memory. It is
    /// recorded with the next mark or with the finish, whichever comes first: a crash before then repeats only
    /// operations that are safe to repeat, or looks for the one still marked.
    private mutating func advance(past index: Int) -> DeliveryAction {
        event.progress = index + 1
        event.inFlight = false
        return start(index + 1)
    }

    /// `action`, the current operation's mark dropped: the other side answered that it did nothing.
    private mutating func clearingMark(_ action: DeliveryAction) -> DeliveryAction {
        event.inFlight = false
        return action
    }

    /// A retry after the backoff, or dead when the event is past its age limit. The backoff grows with the
    /// attempts that got nowhere: an attempt that carried out an operation before failing retries as soon as a
    /// first failure would (each operation gets the same short first retries, as inside a call). A rate limit
    /// retries soon without growing the backoff: the shared limiter has slowed down already.
    private func retry(
        reason: String, status: Int?, retryAfter: TimeInterval? = nil, throttled: Bool = false, now: Date,
        random: Double
    ) -> DeliveryOutcome {
        let attempts = event.attempts + 1
        let progressed = event.progress > startProgress
        let step = schedule.next(
            attempts: throttled ? 2 : progressed ? 1 : attempts, received: event.ageFrom, now: now,
            retryAfter: retryAfter, random: random)
        if step.giveUp {
            return .dead(reason: "gave up after \(attempts) attempts: \(reason)", status: status)
        }
        return .retry(at: step.at, reason: reason, status: status)
    }
}
