import BridgeCore
import BridgeStore
import Foundation
import Testing

/// Instances on one PostgreSQL whose clocks disagree: leases go by the database's clock, so an instance whose
/// clock runs ahead does not take an event over while its holder's lease lasts.
@Suite struct PostgresLeaseClockTests {
    @Test func anInstanceWhoseClockRunsAheadWaitsForTheLeaseByTheDatabasesClock() async throws {
        let url = try await TestPostgres.freshDatabase()
        let right = try await PostgresBridgeStore(url: url, poolSize: 2, logger: TestPostgres.logger)
        defer { right.shutdown() }
        // This instance's clock runs 30 s ahead.
        let ahead = SkewedClock(seconds: 30)
        let skewed = try await PostgresBridgeStore(url: url, poolSize: 2, logger: TestPostgres.logger, clock: ahead)
        defer { skewed.shutdown() }
        #expect(abs(await skewed.databaseSkew() + 30) < 2, "the skew is measured")

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

/// The machine's clock, off by `seconds`: an instance whose clock was never set right.
struct SkewedClock: BridgeClock {
    let seconds: TimeInterval
    func now() -> Date { SystemClock().now().addingTimeInterval(seconds) }
}
