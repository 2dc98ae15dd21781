import Foundation

/// When to try an event again: capped exponential backoff with jitter, giving up after a maximum age.
///
/// A pure function of the attempt count, the event's age and Crisp's requested wait, so it is tested without
/// a clock. Defaults: 1 s, doubling, at most 1 h between tries, dead after 24 h.
public struct RetrySchedule: Sendable {
    public var initialDelay: TimeInterval
    public var maxDelay: TimeInterval
    public var giveUpAfter: TimeInterval
    /// Each delay is multiplied by a random factor in 1 ± jitter.
    public var jitter: Double

    public init(
        initialDelay: TimeInterval = 1, maxDelay: TimeInterval = 3600, giveUpAfter: TimeInterval = 86_400,
        jitter: Double = 0.2
    ) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.giveUpAfter = giveUpAfter
        self.jitter = jitter
    }

    /// After `attempts` failed tries (1 for the first), the next step for an event received at `received`.
    /// `retryAfter` (Crisp's `Retry-After`, or the quota wait) is a floor.
    public func next(
        attempts: Int, received: Date, now: Date, retryAfter: TimeInterval? = nil,
        random: Double = Double.random(in: -1...1)
    ) -> (at: Date, giveUp: Bool) {
        let exponent = min(max(attempts - 1, 0), 30)
        var delay = min(maxDelay, initialDelay * pow(2, Double(exponent)))
        delay *= 1 + jitter * random
        if let retryAfter { delay = max(delay, retryAfter) }
        let at = now.addingTimeInterval(delay)
        return (at, at.timeIntervalSince(received) > giveUpAfter)
    }
}
