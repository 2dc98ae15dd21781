import Foundation

/// A token bucket toward Crisp, shared by the worker's tasks, that slows down when Crisp says so.
///
/// On a rate-limit answer the rate halves (not below `minimum`); each quiet 10 s it grows back by a tenth,
/// up to the configured rate.
public actor CrispRateLimiter {
    private let configured: Double
    private let minimum: Double
    private(set) var rate: Double
    private var tokens: Double
    private var refilledAt: ContinuousClock.Instant
    private var lastSlowdown: ContinuousClock.Instant
    private let clock = ContinuousClock()
    /// Total time spent waiting for a token, for metrics.
    public private(set) var waited: Duration = .zero

    public init(perSecond: Double, minimum: Double = 1) {
        configured = perSecond
        self.minimum = min(minimum, perSecond)
        rate = perSecond
        tokens = perSecond
        refilledAt = clock.now
        lastSlowdown = clock.now
    }

    /// Waits until a call may go out.
    public func acquire() async {
        while true {
            let now = clock.now
            if now - lastSlowdown > .seconds(10), rate < configured {
                rate = min(configured, rate * 1.1)
                lastSlowdown = now
            }
            let elapsed = now - refilledAt
            tokens = min(
                rate,
                tokens + rate * Double(elapsed.components.seconds) + rate * Double(elapsed.components.attoseconds)
                    / 1e18)
            refilledAt = now
            if tokens >= 1 {
                tokens -= 1
                return
            }
            let wait = Duration.milliseconds(Int64(((1 - tokens) / rate) * 1000) + 1)
            waited += wait
            try? await Task.sleep(for: wait)
        }
    }

    /// Crisp answered 420/429: halve the rate.
    public func slowDown() {
        rate = max(minimum, rate / 2)
        tokens = min(tokens, rate)
        lastSlowdown = clock.now
    }
}
