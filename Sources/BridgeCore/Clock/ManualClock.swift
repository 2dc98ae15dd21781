import Foundation
import Synchronization

/// A clock that moves only when told: tests of leases, retries, quota pauses and polls advance it instead of
/// sleeping.
public final class ManualClock: BridgeClock {
    private let time: Mutex<Date>

    /// A clock standing at `start`.
    public init(_ start: Date = Date(timeIntervalSince1970: 1_750_000_000)) {
        time = Mutex(start)
    }

    public func now() -> Date { time.withLock { $0 } }

    /// Moves the clock `seconds` forward.
    public func advance(by seconds: TimeInterval) {
        time.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
