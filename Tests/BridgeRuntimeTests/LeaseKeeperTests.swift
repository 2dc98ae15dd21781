import BridgeCore
import BridgeStore
import Foundation
import Testing

@testable import BridgeRuntime

/// The heartbeat of a claimed event on PostgreSQL, from an instance whose clock is off: each renewal names the
/// lease as the store keeps it (in the server's time), so the lease is kept renewal after renewal.
@Suite struct LeaseKeeperTests {
    @Test func aSkewedInstanceKeepsItsLeaseThroughManyRenewals() async throws {
        let ahead = SkewedClock(seconds: 30)
        let store = try await PostgresBridgeStore(
            url: try await TestPostgres.freshDatabase(), poolSize: 2, logger: TestPostgres.logger, clock: ahead)
        defer { store.shutdown() }
        _ = try await store.accept(StoreConformance.request(), events: [.init(index: 0, dedupeID: "kept")])
        // A 3 s lease renewed every second: four renewals in 4.5 s. (With 0.9 s, a renewal held up for 0.6 s by
        // the full suite's load lost the lease once: a fact about the machine, not about the skew.)
        let claimed = try #require(try await store.claimDue(now: ahead.now(), limit: 1, lease: 3).first)
        let keeper = LeaseKeeper(store: store, eventID: claimed.id, held: claimed.leaseUntil, length: 3, clock: ahead)
        let heartbeat = Task { await keeper.keep() }
        try await Task.sleep(for: .milliseconds(4_500))
        heartbeat.cancel()
        await heartbeat.value
        #expect(!keeper.lost, "a renewal named a lease the store does not keep")
    }
}
