import Foundation

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
