import Foundation

/// A store that re-queues events by a condition written once (`StoreRules.requeue`): both replays are this one
/// step with their own condition.
protocol Requeueing: EventHistory {
    /// Re-queues the dead or done events `condition` selects, each with its `replayed` record; returns how many.
    func requeue(where condition: StoreStatement, now: Date, force: Bool, fromStart: Bool)
        async throws(BridgeStoreError) -> Int
}

extension Requeueing {
    public func replay(ids: [Int64], now: Date, force: Bool, fromStart: Bool) async throws(BridgeStoreError) -> Int {
        try await requeue(where: "id \(in: ids)", now: now, force: force, fromStart: fromStart)
    }

    public func replayDead(since: Date, now: Date, fromStart: Bool) async throws(BridgeStoreError) -> Int {
        try await requeue(
            where: "status = 'dead' AND created_at >= \(since.timeIntervalSince1970)", now: now, force: false,
            fromStart: fromStart)
    }
}
