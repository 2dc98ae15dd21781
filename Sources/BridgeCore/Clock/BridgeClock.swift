import Foundation

/// The one source of wall-clock time for the runtime and the stores: delivery, leases, retries, the quota, polls
/// and intake ask it, never `Date()`, so a test can stand a `ManualClock` in for it and move time at will.
public protocol BridgeClock: Sendable {
    /// The time now.
    func now() -> Date
}
