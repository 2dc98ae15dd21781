import BridgeCore
import BridgeStore
import Foundation

/// The leases of the events one attempt carries out (one event, or a coalesced group): kept alive together from
/// the claim on (planning and fetches included) while the attempt runs, lost when any of them is.
struct LeaseGroup: Sendable {
    let keepers: [LeaseKeeper]

    init(_ events: [StoredEvent], store: any DeliveryQueue, length: TimeInterval, clock: any BridgeClock) {
        keepers = events.map {
            LeaseKeeper(store: store, eventID: $0.id, held: $0.leaseUntil, length: length, clock: clock)
        }
    }

    /// Renews the leases in the background until the task is cancelled .
    func keepAlive() -> Task<Void, Never> {
        let keepers = keepers
        return Task {
            await withTaskGroup(of: Void.self) { group in
                for keeper in keepers { group.addTask { await keeper.keep() } }
            }
        }
    }

    /// Stops renewing the leases of `eventIDs` (finished or given back): they no longer count toward `lost`.
    func end(_ eventIDs: some Sequence<Int64>) {
        let ids = Set(eventIDs)
        for keeper in keepers where ids.contains(keeper.event) { keeper.end() }
    }

    /// Whether another worker may have one of the events now.
    var lost: Bool { keepers.contains { $0.lost } }
}
