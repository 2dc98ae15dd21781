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
        // This instance's clock is 30 s ahead (a ManualClock standing there).
        let ahead = ManualClock(Date().addingTimeInterval(30))
        let skewed = try await PostgresBridgeStore(url: url, poolSize: 2, logger: TestPostgres.logger, clock: ahead)
        defer { skewed.shutdown() }
        #expect(abs(await skewed.databaseSkew() + 30) < 2, "the skew is measured")

        _ = try await right.accept(StoreConformance.request(), events: [.init(index: 0, dedupeID: "held")])
        let claimed = try await right.claimDue(now: Date(), limit: 1, lease: 10)
        #expect(claimed.count == 1)
        // By its own clock the lease ran out 20 s ago; by the database's it has 10 s left.
        #expect(try await skewed.claimDue(now: ahead.now(), limit: 1, lease: 10).isEmpty)
        // The holder renews it; once it has really run out, the other instance takes the event.
        let held = try #require(claimed.first?.leaseUntil)
        #expect(try await right.renewLease(eventID: claimed[0].id, held: held, until: Date().addingTimeInterval(10)))
        #expect(try await skewed.claimDue(now: ahead.now().addingTimeInterval(5), limit: 1, lease: 10).isEmpty)
        #expect(try await skewed.claimDue(now: ahead.now().addingTimeInterval(11), limit: 1, lease: 10).count == 1)
    }
}
