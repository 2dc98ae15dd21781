import BridgeStore
import Synchronization

/// Events one claim took for the worker's other loops: a loop that finds work claims one more due event for each
/// loop waiting for work (one statement instead of one each) and leaves them here, waking a loop for each.
/// An event is handed out only while its lease is fresh (within a third of its length since the claim, when
/// its keeper would first renew it); an older one is given back to the store instead, so no event is carried
/// out on a lease that may have run out.
final class ClaimedEvents: Sendable {
    private let freshFor: Duration
    private let events = Mutex<[(event: StoredEvent, claimedAt: ContinuousClock.Instant)]>([])

    /// `lease` is the length of a claim's lease.
    init(lease: Double) {
        freshFor = .seconds(lease / 3)
    }

    /// Keeps `claimed` (taken at `claimedAt`) for the next idle loops.
    func keep(_ claimed: some Sequence<StoredEvent>, claimedAt: ContinuousClock.Instant) {
        events.withLock { $0 += claimed.map { ($0, claimedAt) } }
    }

    /// The oldest kept event whose lease is fresh, and the ids of those that are no longer (to give back).
    func take() -> (event: StoredEvent?, stale: [Int64]) {
        let now = ContinuousClock.now
        return events.withLock { kept in
            var stale: [Int64] = []
            while !kept.isEmpty {
                let next = kept.removeFirst()
                if now - next.claimedAt < freshFor { return (next.event, stale) }
                stale.append(next.event.id)
            }
            return (nil, stale)
        }
    }

    /// Empties the store of kept events: the ids to give back (shutting down, or Crisp's quota used up).
    func drain() -> [Int64] {
        events.withLock { kept in
            defer { kept.removeAll() }
            return kept.map(\.event.id)
        }
    }
}
