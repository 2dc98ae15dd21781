import Synchronization

/// Lets a repeated message through at most once per interval (a failing store must not flood the log).
final class LogThrottle: Sendable {
    private let interval: Duration
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init(every interval: Duration) {
        self.interval = interval
    }

    /// Whether the message may be logged now (and the interval starts again).
    func allows() -> Bool {
        let now = ContinuousClock.now
        return last.withLock { last in
            guard last.map({ now - $0 >= interval }) ?? true else { return false }
            last = now
            return true
        }
    }
}
