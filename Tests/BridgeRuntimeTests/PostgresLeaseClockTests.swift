import BridgeCore
import BridgeStore
import Foundation
import Testing

/// Instances on one PostgreSQL whose clocks disagree: leases go by the database's clock, so an instance whose
/// clock runs ahead does not take an event over while its holder's lease lasts.
@Suite struct PostgresLeaseClockTests {
    @Test func anInstanceWhoseClockRunsAheadWaitsForTheLeaseByTheDatabasesClock() async throws {
        // This instance's clock runs 30 s ahead.
        let (right, skewed, ahead) = try await SkewedClock.instances(ahead: 30)
        defer {
            right.shutdown()
            skewed.shutdown()
        }

        _ = try await right.accept(StoreConformance.request(), events: [.init(index: 0, dedupeID: "held")])
        let claimed = try await right.claimDue(now: Date(), limit: 1, lease: 10)
        try #require(claimed.count == 1)
        // By its own clock the lease ran out 20 s ago; by the database's it has 10 s left.
        #expect(try await skewed.claimDue(now: ahead.now(), limit: 1, lease: 10).isEmpty)
        // The holder renews it; once it has really run out, the other instance takes the event.
        let held = try #require(claimed.first?.leaseUntil)
        let renewed = try await right.renewLease(
            eventID: claimed[0].id, held: held, until: Date().addingTimeInterval(20))
        #expect(renewed != nil)
        // Renewed again with what the first renewal returned (in the server's time), and again from the other
        // instance's point of view: its clock is skewed, so what it stores differs from what it asked for.
        let again = try await right.renewLease(
            eventID: claimed[0].id, held: try #require(renewed), until: Date().addingTimeInterval(20))
        #expect(again != nil, "a lease is renewed more than once")
        #expect(try await skewed.claimDue(now: ahead.now().addingTimeInterval(5), limit: 1, lease: 10).isEmpty)
        let taken = try await skewed.claimDue(now: ahead.now().addingTimeInterval(21), limit: 1, lease: 10)
        try #require(taken.count == 1)
        // The skewed instance renews its own lease twice: what it stores is in the server's time.
        let first = try await skewed.renewLease(
            eventID: taken[0].id, held: try #require(taken.first?.leaseUntil), until: ahead.now().addingTimeInterval(20)
        )
        let second = try await skewed.renewLease(
            eventID: taken[0].id, held: try #require(first), until: ahead.now().addingTimeInterval(25))
        #expect(first != nil && second != nil, "the skewed instance keeps its lease through renewals")
    }
}

/// Due times go by the database's clock too: what an instance whose clock is off stores is due when it should be
/// for the others — a fresh event at once, a retry neither early nor late.
@Suite struct PostgresDueClockTests {
    @Test func dueTimesGoByTheDatabasesClockToo() async throws {
        let (right, skewed, ahead) = try await SkewedClock.instances(ahead: 60)
        defer {
            right.shutdown()
            skewed.shutdown()
        }

        // Taken in by the instance whose clock runs a minute ahead: due at once for the others.
        _ = try await skewed.accept(
            StoreConformance.request(at: ahead.now()), events: [.init(index: 0, dedupeID: "fresh")])
        let fresh = try await right.claimDue(now: Date(), limit: 1, lease: 10)
        try #require(fresh.count == 1, "due at once, not a minute later")
        #expect(try await right.counts(now: Date()).byStatus[.pending] == 1)

        // Its retry in 30 s by its own clock is in 30 s by the database's.
        try await skewed.finish(
            eventID: fresh[0].id, outcome: .retry(at: ahead.now().addingTimeInterval(30), reason: "503", status: 503),
            at: ahead.now())
        #expect(try await right.claimDue(now: Date().addingTimeInterval(20), limit: 1, lease: 10).isEmpty, "not early")
        let retried = try await right.claimDue(now: Date().addingTimeInterval(35), limit: 1, lease: 10)
        #expect(retried.count == 1, "not a minute late")

        // A replay from the instance ahead is due at once as well.
        try await right.finish(
            eventID: fresh[0].id, outcome: .dead(reason: "invalid_data", status: 400), at: Date())
        #expect(try await skewed.replay(ids: [fresh[0].id], now: ahead.now()) == 1)
        #expect(try await right.claimDue(now: Date(), limit: 1, lease: 10).count == 1, "a replay is due at once")
    }
}

/// The machine's clock, off by `seconds`: an instance whose clock was never set right.
struct SkewedClock: BridgeClock {
    let seconds: TimeInterval
    func now() -> Date { SystemClock().now().addingTimeInterval(seconds) }

    /// Two instances on one fresh database: one with the machine's clock, one whose clock runs `ahead` seconds
    /// ahead (its skew measured before it is returned).
    static func instances(ahead: TimeInterval) async throws -> (
        right: PostgresBridgeStore, skewed: PostgresBridgeStore, clock: SkewedClock
    ) {
        let url = try await TestPostgres.freshDatabase()
        let right = try await PostgresBridgeStore(url: url, poolSize: 2, logger: TestPostgres.logger)
        let clock = SkewedClock(seconds: ahead)
        let skewed = try await PostgresBridgeStore(url: url, poolSize: 2, logger: TestPostgres.logger, clock: clock)
        #expect(abs(await skewed.databaseSkew() + ahead) < 2, "the skew is measured")
        return (right, skewed, clock)
    }
}
