import BridgeCore
import BridgeStore
import Foundation
import Synchronization

/// Keeps a claimed event's lease alive while a worker carries it out (a heartbeat): it renews the lease every
/// third of its length, so a live worker never loses it, while a dead one (SIGKILL, lost network) frees its
/// events within one lease. When a renewal finds that the lease is no longer this worker's, `lost` turns true
/// and the worker stops before its next operation.
final class LeaseKeeper: Sendable {
    private struct State {
        /// The lease as stored (in the store's time, e.g. the PostgreSQL server's): what a renewal names.
        var held: Date?
        /// When the lease runs out by a monotonic clock: the claim or the last renewal plus its length. It, not
        /// `held`, says when a store that does not answer has cost the lease (the store's time is not this clock).
        var deadline: ContinuousClock.Instant
        var lost = false
        /// The worker finished or gave the event back: no more renewals, and its lease no longer counts.
        var ended = false
    }

    private let store: any DeliveryQueue
    private let eventID: Int64
    private let length: TimeInterval
    private let clock: any BridgeClock
    private let state: Mutex<State>

    init(store: any DeliveryQueue, eventID: Int64, held: Date?, length: TimeInterval, clock: any BridgeClock) {
        self.store = store
        self.clock = clock
        self.eventID = eventID
        self.length = length
        self.state = Mutex(State(held: held, deadline: .now + .seconds(length)))
    }

    /// Whether another worker may have the event now (never once the event is `ended`).
    var lost: Bool { state.withLock { $0.lost && !$0.ended } }

    /// Stops renewing: the worker finished the event or gave it back, so its lease is no longer held.
    func end() {
        state.withLock { $0.ended = true }
    }

    /// The event this keeper holds.
    var event: Int64 { eventID }

    /// Renews until cancelled or lost. A store that does not answer counts as lost only once the lease has run
    /// out.
    func keep() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(length / 3))
            if Task.isCancelled { return }
            guard let held = state.withLock({ $0.ended ? nil : $0.held }) else { return }
            let until = clock.now().addingTimeInterval(length)
            let asked = ContinuousClock.now
            do {
                let renewed = try await store.renewLease(eventID: eventID, held: held, until: until)
                let ended = state.withLock {
                    if let renewed {
                        $0.held = renewed
                        $0.deadline = asked + .seconds(length)
                    } else {
                        $0.lost = true
                    }
                    return $0.ended
                }
                if renewed == nil || ended { return }
            } catch {
                if ContinuousClock.now >= state.withLock({ $0.deadline }) {
                    state.withLock { $0.lost = true }
                    return
                }
            }
        }
    }
}
