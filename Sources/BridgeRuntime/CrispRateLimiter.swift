import CrispPeople
import Foundation

/// A token bucket toward Crisp, shared by the worker's tasks, that slows down when Crisp says so. It paces HTTP
/// requests, not operations: the Crisp client waits for it before each one, retries included.
///
/// Additive-increase, multiplicative-decrease: on a rate-limit answer the rate halves (at most once a second,
/// so one burst of 429s counts once, and not below a tenth of the configured rate); each quiet 2 s it grows by
/// a quarter, back up to the configured rate.
public actor CrispRateLimiter: CrispThrottle {
    private let configured: Double
    private let minimum: Double
    private(set) var rate: Double
    private var tokens: Double
    private var refilledAt: ContinuousClock.Instant
    private var lastSlowdown: ContinuousClock.Instant
    private let clock = ContinuousClock()
    /// Total time spent waiting for a token, for metrics.
    public private(set) var waited: Duration = .zero

    public init(perSecond: Double) {
        configured = perSecond
        self.minimum = max(min(1, perSecond), perSecond / 10)
        rate = perSecond
        tokens = perSecond
        refilledAt = clock.now
        lastSlowdown = clock.now
    }

    /// Waits until a request may go out (the wait is counted in the metrics).
    public func acquire() async {
        let waited = await take()
        if waited > .zero { BridgeMetrics.rateLimitWait(waited) }
    }

    /// Waits until a request may go out; returns how long it waited.
    @discardableResult
    func take() async -> Duration {
        var total = Duration.zero
        while true {
            let now = clock.now
            if now - lastSlowdown > .seconds(2), rate < configured {
                rate = min(configured, rate * 1.25)
                lastSlowdown = now
            }
            let elapsed = now - refilledAt
            // At least one token fits, so a rate below 1/s still lets a request through now and then.
            tokens = min(
                max(1, rate),
                tokens + rate * Double(elapsed.components.seconds) + rate * Double(elapsed.components.attoseconds)
                    / 1e18)
            refilledAt = now
            if tokens >= 1 {
                tokens -= 1
                return total
            }
            let wait = Duration.milliseconds(Int64(((1 - tokens) / rate) * 1000) + 1)
            waited += wait
            total += wait
            try? await Task.sleep(for: wait)
        }
    }

    /// Crisp answered 420/429: halve the rate (once per second at most).
    public func slowDown() {
        guard clock.now - lastSlowdown > .seconds(1) || rate == configured else { return }
        rate = max(minimum, rate / 2)
        tokens = min(tokens, rate)
        lastSlowdown = clock.now
    }

    /// The current rate, in operations per second.
    public var currentRate: Double { rate }
}
