import Foundation

/// The rules of delivering one event, in one place and without I/O: given where the event stands and what the
/// last step did, what comes next — the next operation, done, a retry at a time, waiting for an earlier event
/// of the same contact, or dead, each with its reason.
///
/// The worker only carries decisions out (plans, calls Crisp, persists outcomes); stores only persist them.
/// Time and chance are inputs (`now`, `random`), so every transition is tested without a clock.
public struct DeliveryLifecycle: Sendable {
    /// Where an event stands when an attempt begins.
    public struct Event: Sendable, Hashable {
        /// Attempts made so far (waiting is not an attempt).
        public var attempts: Int
        /// Where its age limit counts from: when it was received, or last replayed.
        public var ageFrom: Date
        /// Operations of the plan already carried out: the attempt resumes after them.
        public var progress: Int

        public init(attempts: Int, ageFrom: Date, progress: Int) {
            self.attempts = attempts
            self.ageFrom = ageFrom
            self.progress = progress
        }
    }

    public var schedule: RetrySchedule
    /// How long a waiting event stays unclaimed at most before it looks again (it is claimed as soon as the
    /// earlier event is through, and no sooner than this).
    public var orderingWait: TimeInterval

    public init(schedule: RetrySchedule = RetrySchedule(), orderingWait: TimeInterval = 1) {
        self.schedule = schedule
        self.orderingWait = orderingWait
    }

    /// The decision after `step`.
    public func decide(
        _ step: DeliveryStep, for event: Event, now: Date, random: Double = Double.random(in: -1...1)
    ) -> DeliveryDecision {
        switch step {
        case .unplannable(let reason):
            return .finish(.dead(reason: reason, status: nil))
        case .skipped(let reason):
            return .finish(.skipped(reason: reason))
        case .planFailed(let reason, let retryable):
            return .finish(
                retryable
                    ? retry(
                        event, reason: reason, status: nil, retryAfter: nil, throttled: false, now: now, random: random)
                    : .dead(reason: reason, status: nil))
        case .planned(let operations, let earlier):
            if let earlier { return .finish(.waiting(for: earlier, until: now.addingTimeInterval(orderingWait))) }
            // A plan that shrank since the last attempt (a pipeline change) has nothing left to do.
            return event.progress < operations
                ? .perform(index: event.progress) : .finish(.delivered(operations: operations))
        case .performed(let index, let count):
            return index + 1 < count ? .perform(index: index + 1) : .finish(.delivered(operations: count))
        case .failed(_, let failure):
            if failure.quotaExhausted {
                return .finish(.paused(until: now.addingTimeInterval(failure.retryAfter ?? 60), reason: failure.reason))
            }
            guard failure.retryable else { return .finish(.dead(reason: failure.reason, status: failure.status)) }
            return .finish(
                retry(
                    event, reason: failure.reason, status: failure.status, retryAfter: failure.retryAfter,
                    throttled: failure.rateLimited, now: now, random: random))
        }
    }

    /// A retry after the backoff, or dead when the event is past its age limit. A rate limit retries soon
    /// without growing the backoff: the shared limiter has slowed down already.
    private func retry(
        _ event: Event, reason: String, status: Int?, retryAfter: TimeInterval?, throttled: Bool, now: Date,
        random: Double
    ) -> DeliveryOutcome {
        let attempts = event.attempts + 1
        let step = schedule.next(
            attempts: throttled ? 2 : attempts, received: event.ageFrom, now: now, retryAfter: retryAfter,
            random: random)
        if step.giveUp {
            return .dead(reason: "gave up after \(attempts) attempts: \(reason)", status: status)
        }
        return .retry(at: step.at, reason: reason, status: status)
    }
}
