import Foundation

/// What happened in one step of delivering an event: the facts the worker reports to `DeliveryLifecycle`.
public enum DeliveryStep: Sendable, Hashable {
    /// The stored request, or the event within it, can no longer be planned (missing, unreadable, or the
    /// pipeline now splits the request differently): nothing later can change that.
    case unplannable(reason: String)
    /// `when` was false, or a `skip:` rule held (with its reason).
    case skipped(reason: String?)
    /// Planning failed (a fetch, an expression, Crisp's rules); `retryable` when trying later may succeed.
    case planFailed(reason: String, retryable: Bool)
    /// The plan has `operations` operations; `earlierPending` is an earlier event of the same contact that is
    /// not through yet, if any.
    case planned(operations: Int, earlierPending: Int64?)
    /// Operation `index` (of `count`) went through.
    case performed(index: Int, count: Int)
    /// Operation `index` failed.
    case failed(index: Int, DeliveryFailure)
}

/// Why a Crisp operation failed, as far as delivery cares.
public struct DeliveryFailure: Sendable, Hashable {
    public var reason: String
    /// Crisp's HTTP status, when it answered.
    public var status: Int?
    /// Whether trying later may succeed (timeouts, 5xx, rate limits, the quota).
    public var retryable: Bool
    /// A rate-limit answer: Crisp asking everyone to slow down, not this event failing.
    public var rateLimited: Bool
    /// The wait Crisp asked for (`Retry-After`, or the quota's), in seconds.
    public var retryAfter: TimeInterval?
    /// Crisp's daily quota is used up (423 `quota_limit_exceeded`): the event pauses, without an attempt.
    public var quotaExhausted: Bool {
        status == 423
    }

    public init(
        reason: String, status: Int? = nil, retryable: Bool, rateLimited: Bool = false, retryAfter: TimeInterval? = nil
    ) {
        self.reason = reason
        self.status = status
        self.retryable = retryable
        self.rateLimited = rateLimited
        self.retryAfter = retryAfter
    }
}

/// What to do next with an event.
public enum DeliveryDecision: Sendable, Hashable {
    /// Carry out operation `index` of the plan.
    case perform(index: Int)
    /// Stop this attempt with this outcome.
    case finish(DeliveryOutcome)
}

/// How an attempt ends.
public enum DeliveryOutcome: Sendable, Hashable {
    /// Every operation went through (`operations` of them), `unchanged` of them not sent because their values
    /// equal what was last written.
    case delivered(operations: Int, unchanged: Int = 0)
    /// Delivered in event `by`'s attempt: its writes went out merged with the writes of that event and of the
    /// others waiting behind it for the same contact (`CoalescedPlan`), its Crisp events were posted.
    case carried(by: Int64, operations: Int)
    /// `when` was false, or a `skip:` rule held (with its reason): nothing to do.
    case skipped(reason: String?)
    /// Try again at `at`.
    case retry(at: Date, reason: String, status: Int?)
    /// Given up, for good (until an operator replays it).
    case dead(reason: String, status: Int?)
    /// An earlier event of the same contact is not through: run after it, not before `until`. Not an attempt.
    case waiting(for: Int64, until: Date)
    /// Not now, for a reason outside the event: Crisp's daily quota is used up (the bridge probes Crisp
    /// meanwhile), or this process lacks the event's pipeline. Try again from `until`. Not an attempt, and never
    /// dead for it, however long the pause.
    case paused(until: Date, reason: String)
}
