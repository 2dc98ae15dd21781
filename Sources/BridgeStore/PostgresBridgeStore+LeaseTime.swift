import BridgeCore
import Foundation
import PostgresNIO

extension PostgresBridgeStore {
    /// How often the database's clock is compared with this instance's again.
    static let skewCheckInterval: Duration = .seconds(60)
    /// A difference between the clocks smaller than this is taken as none.
    static let skewIgnoredBelow: TimeInterval = 0.5

    /// `local` (this instance's time) in the database's time, in seconds since 1970: event leases and due times
    /// (`next_attempt_at`) are set and compared in it, so instances whose clocks disagree never take an event over
    /// before its lease has run out, nor retry it early or late, by the one clock they share. The difference is measured at the first lease and again every minute, against
    /// the store's clock (on PostgreSQL a test's `ManualClock` is a machine whose clock is off, not time moved on).
    func leaseTime(_ local: Date) async -> Double {
        local.timeIntervalSince1970 + (await databaseSkew())
    }

    /// The database's clock minus this instance's, in seconds (0 until it could be measured).
    public func databaseSkew() async -> Double {
        let measured = skew.withLock { $0 }
        if let measured, ContinuousClock.now - measured.at < Self.skewCheckInterval { return measured.seconds }
        let before = clock.now()
        guard
            let row = try? await rows("SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8 AS now").first,
            let databaseNow = try? row["now"].decode(Double.self)
        else { return measured?.seconds ?? 0 }
        let after = clock.now()
        let local = (before.timeIntervalSince1970 + after.timeIntervalSince1970) / 2
        // Below half a second the difference is the round trip's noise, not two clocks apart: leases are
        // seconds long, and left as asked they read back as written.
        let measuredSeconds = databaseNow - local
        let seconds = abs(measuredSeconds) < Self.skewIgnoredBelow ? 0 : measuredSeconds
        skew.withLock { $0 = (seconds, ContinuousClock.now) }
        if abs(seconds) > 2 {
            logger.warning(
                "this machine's clock is \(Int(seconds.magnitude)) s \(seconds > 0 ? "behind" : "ahead of") the PostgreSQL server's: leases and retry times follow the server's clock; fix the machine's clock (NTP) for the times it records and logs"
            )
        }
        return seconds
    }
}
