import BridgeCore
import BridgeStore
import Foundation
import Logging

extension DeliveryWorker {
    /// Delivers `leader` with the events of its contact waiting right behind it (`followers`, claimed): their
    /// plans merged into one write per route (`CoalescedPlan`), then each source's Crisp events, source by source,
    /// each source's lifecycle deciding as for an event alone. The leader is marked delivered, each follower
    /// delivered with a pointer to the leader.
    ///
    /// The run of followers stops at the first that cannot be planned now (it is given back and runs after the
    /// leader, on its own). When a merged write fails for good, which event's values Crisp refused is not
    /// known: the followers are given back and the leader runs alone.
    func deliverTogether(
        _ leader: StoredEvent, _ operations: [CrispOperation], _ followers: [StoredEvent], _ leaderLease: LeaseGroup,
        _ startedAt: Date, _ log: Logger
    ) async throws(BridgeStoreError) {
        // The followers' leases are kept alive from their claim on, while they are planned too.
        let followerLease = LeaseGroup(followers, store: store, length: configuration.lease, clock: clock)
        let heartbeat = followerLease.keepAlive()
        defer { heartbeat.cancel() }
        let leases = [leaderLease, followerLease]
        guard CoalescedPlan.eventsStart(of: operations) != nil else {
            try await giveBack(followers.map(\.id), followerLease)
            try await deliverAlone(leader, operations, [leaderLease], startedAt, log)
            return
        }
        var plans: [(event: Int64, operations: [CrispOperation])] = [(leader.id, operations)]
        var joined: [StoredEvent] = []
        for (position, follower) in followers.enumerated() {
            var follower = follower
            let (input, planned) = try await plan(&follower)
            if case .planned = input, CoalescedPlan.eventsStart(of: planned) != nil {
                plans.append((follower.id, planned))
                joined.append(follower)
            } else if case .skipped = input {
                var lifecycle = lifecycle(for: follower)
                var none = Writes(force: false)
                let action = lifecycle.handle(input, now: clock.now())
                _ = try await run(&lifecycle, from: action, follower, [], nil, &none, leases: leases, startedAt, log)
                followerLease.end([follower.id])
            } else {
                try await giveBack(followers[position...].map(\.id), followerLease)
                break
            }
        }
        guard !joined.isEmpty else {
            try await deliverAlone(leader, operations, [leaderLease], startedAt, log)
            return
        }
        let sources = [leader] + joined
        let merged = CoalescedPlan(plans)
        let contact = operations.first?.orderSubject
        var writes = Writes(force: sources.contains { forcesWrites($0) })
        writes.seed(from: leader)
        log.debug("delivering \(sources.count) events of one contact together: \(merged.writes.count) merged write(s)")
        for write in merged.writes {
            guard !leases.contains(where: \.lost) else {
                log.warning("the lease ran out and another worker may have the event; stopping this attempt")
                return
            }
            let (result, written) = try await send(write, at: 0, leader, &writes, log)
            guard !leases.contains(where: \.lost) else {
                log.warning("the lease ran out and another worker may have the event; stopping this attempt")
                return
            }
            if let written {
                try await store.saveProgress(
                    eventID: leader.id, progress: leader.progress, contact: contact, inflightSince: nil,
                    written: written, plannedBy: leader.plannedBy)
            }
            if result == .done || result == .unchanged { continue }
            try await giveBack(joined.map(\.id), followerLease)
            // The leader's lifecycle decides how its attempt ends, as if the merged write were an operation of its
            // own (not tried again at once: the group is given up); dead means Crisp refused some source's
            // values, and which one is not known: the leader runs alone.
            var lifecycle = lifecycle(for: leader)
            lifecycle.retriesAtOnce = 0
            _ = lifecycle.handle(.planned([.safe], earlierPending: nil), now: clock.now())
            let action = lifecycle.handle(.sent(index: 0, result), now: clock.now())
            if case .finish(.dead) = action {
                try await deliverAlone(leader, operations, [leaderLease], startedAt, log)
            } else if case .finish = action {
                var none = Writes(force: false)
                _ = try await run(
                    &lifecycle, from: action, leader, [], contact, &none, leases: [leaderLease], startedAt, log)
            }
            return
        }
        // Every write is done: each source's progress moves to its first Crisp event, so that after a crash none
        // of its writes (older values) is made again. Then each source's events go out in order; a source whose
        // attempt does not end delivered holds the ones after it (given back, they wait for it).
        let unchanged = writes.unchanged
        for (position, source) in sources.enumerated() {
            let own = plans[position].operations
            var source = source
            source.progress = CoalescedPlan.eventsStart(of: own) ?? 0
            guard !leases.contains(where: \.lost) else {
                log.warning("the lease ran out and another worker may have the event; stopping this attempt")
                return
            }
            try await store.saveProgress(
                eventID: source.id, progress: source.progress, contact: own.first?.orderSubject,
                inflightSince: nil, written: nil, plannedBy: source.plannedBy)
            var lifecycle = lifecycle(for: source)
            let action = lifecycle.handle(.planned(own.map(\.repeatability), earlierPending: nil), now: clock.now())
            let isLeader = source.id == leader.id
            let outcome = try await run(
                &lifecycle, from: action, source, own, own.first?.orderSubject, &writes, leases: leases, startedAt,
                log
            ) { outcome in
                guard case .delivered(let count, _) = outcome else { return outcome }
                return isLeader
                    ? .delivered(operations: count, unchanged: unchanged) : .carried(by: leader.id, operations: count)
            }
            // Finished: its lease is no longer held, and no longer counts for the group.
            (isLeader ? leaderLease : followerLease).end([source.id])
            switch outcome {
            case .delivered?:
                continue
            case .carried?:
                BridgeMetrics.coalesced(pipeline: source.pipeline)
            case nil:
                return  // abandoned: the leases run out
            default:
                try await giveBack(sources[(position + 1)...].map(\.id), followerLease)
                return
            }
        }
    }

    /// Gives claimed followers back (their leases end, nothing else changes), unless a lease of the group ran
    /// out meanwhile: then another worker may hold them, and they are left to their leases.
    private func giveBack(_ eventIDs: [Int64], _ lease: LeaseGroup) async throws(BridgeStoreError) {
        guard !eventIDs.isEmpty, !lease.lost else { return }
        try await store.release(eventIDs: eventIDs)
        lease.end(eventIDs)
    }

    /// Carries out `event`'s plan on its own.
    func deliverAlone(
        _ event: StoredEvent, _ operations: [CrispOperation], _ leases: [LeaseGroup], _ startedAt: Date, _ log: Logger
    ) async throws(BridgeStoreError) {
        var lifecycle = lifecycle(for: event)
        let action = lifecycle.handle(.planned(operations.map(\.repeatability), earlierPending: nil), now: clock.now())
        var writes = Writes(force: forcesWrites(event))
        _ = try await run(
            &lifecycle, from: action, event, operations, operations.first?.orderSubject, &writes, leases: leases,
            startedAt, log)
    }
}
