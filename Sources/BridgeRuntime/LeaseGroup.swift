import BridgeStore
import Foundation

/// The leases of the events one attempt carries out (one event, or a coalesced group): renewed together before
/// the first request, kept alive together while the attempt runs, lost when any of them is.
struct LeaseGroup: Sendable {
    let keepers: [LeaseKeeper]

    init(_ events: [StoredEvent], store: any BridgeStore, length: TimeInterval) {
        keepers = events.map { LeaseKeeper(store: store, eventID: $0.id, held: $0.leaseUntil, length: length) }
    }

    /// Renews every lease now (the claim may be older than the lease when planning was slow); returns the
    /// positions of those still held: all of them when the attempt may go on.
    func confirm() async -> [Int] {
        var held: [Int] = []
        for (position, keeper) in keepers.enumerated() where await keeper.confirm() { held.append(position) }
        return held
    }

    /// Renews the leases in the background until the task is cancelled (start it after `confirm`).
    func keepAlive() -> Task<Void, Never> {
        let keepers = keepers
        return Task {
            await withTaskGroup(of: Void.self) { group in
                for keeper in keepers { group.addTask { await keeper.keep() } }
            }
        }
    }

    /// Whether another worker may have one of the events now.
    var lost: Bool { keepers.contains { $0.lost } }
}
