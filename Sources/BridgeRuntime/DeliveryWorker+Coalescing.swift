import BridgeCore
import BridgeStore
import Foundation
import Logging

extension DeliveryWorker {
    /// Delivers `leader` with the events of its contact waiting right behind it (`followers`, claimed): their
    /// plans merged into one write per route (`CoalescedPlan`), then every Crisp event once, in order. The
    /// leader is marked delivered, each follower delivered with a pointer to the leader.
    ///
    /// The run of followers stops at the first that cannot be planned now (it is given back and runs after the
    /// leader, on its own). When a merged write fails for good, which event's values Crisp refused is not
    /// known: the followers are given back and the leader runs alone.
    func deliverTogether(
        _ leader: StoredEvent, _ operations: [CrispOperation], _ followers: [StoredEvent], _ contact: String?,
        _ startedAt: Date, _ log: Logger
    ) async throws(BridgeStoreError) {
        var plans: [(event: Int64, operations: [CrispOperation])] = [(leader.id, operations)]
        var joined: [StoredEvent] = []
        var skipped: [(StoredEvent, String?)] = []
        var givenBack: [Int64] = []
        guard CoalescedPlan.eventsStart(of: operations) != nil else {
            try await store.release(eventIDs: followers.map(\.id))
            try await deliver(leader, operations, .perform(index: 0), contact, startedAt, log)
            return
        }
        for (position, follower) in followers.enumerated() {
            guard let pipeline = catalog.pipeline(named: follower.pipeline) else {
                givenBack = followers[position...].map(\.id)
                break
            }
            var follower = follower
            let (step, planned) = try await plan(follower, with: pipeline)
            follower.plannedBy = pipeline.version
            if case .planned = step, CoalescedPlan.eventsStart(of: planned) != nil {
                plans.append((follower.id, planned))
                joined.append(follower)
            } else if case .skipped(let reason) = step {
                skipped.append((follower, reason))
            } else {
                givenBack = followers[position...].map(\.id)
                break
            }
        }
        try await store.release(eventIDs: givenBack)
        for (event, reason) in skipped {
            try await store.finish(
                eventID: event.id, outcome: .skipped(reason: reason), at: Date(), startedAt: startedAt,
                plannedBy: event.plannedBy)
            report(.skipped(reason: reason), event, log)
        }
        guard !joined.isEmpty else {
            try await deliver(leader, operations, .perform(index: 0), contact, startedAt, log)
            return
        }
        let sources = [leader] + joined
        let merged = CoalescedPlan(plans)
        var writes = Writes(force: sources.contains { catalog.pipeline(named: $0.pipeline)?.alwaysWrite == true })
        // Every event of the group keeps its lease while the group is carried out: a follower whose lease ran
        // out could be claimed elsewhere as soon as the leader is through. Planning the followers took time:
        // every lease is renewed before anything is sent, and the group is given up (what is still held given
        // back) if one of them ran out and was taken.
        let lease = LeaseGroup(sources, store: store, length: configuration.lease)
        let held = await lease.confirm()
        guard held.count == sources.count else {
            log.warning("a lease ran out while the group was planned and another worker has it; giving the group back")
            try await store.release(eventIDs: held.map { sources[$0].id })
            return
        }
        let heartbeat = lease.keepAlive()
        defer { heartbeat.cancel() }
        log.debug("delivering \(sources.count) events of one contact together: \(merged.writes.count) merged write(s)")
        for (index, operation) in merged.writes.enumerated() {
            guard !lease.lost else {
                log.warning("the lease ran out and another worker may have the event; stopping this attempt")
                return
            }
            let step = try await perform(
                operation, at: index, of: merged.writes.count, leader, contact, &writes, advance: false, log)
            guard case .failed(_, let failure) = step else { continue }
            try await store.release(eventIDs: joined.map(\.id))
            if failure.retryable || failure.quotaExhausted {
                try await end(leader, .failed(index: 0, failure), startedAt, log)
            } else {
                // The leader alone, under the lease as the heartbeat last renewed it.
                heartbeat.cancel()
                await heartbeat.value
                var alone = leader
                alone.leaseUntil = lease.keepers[0].held
                try await deliver(alone, operations, .perform(index: 0), contact, startedAt, log)
            }
            return
        }
        // Every write is done: each source's progress moves to its first Crisp event, so that after a crash
        // none of its writes (older values) is made again. Then the events go out in order. A source whose event
        // fails ends with that failure; the ones before it are through, the ones after it wait for it.
        for (position, source) in sources.enumerated() {
            let own = plans[position].operations
            try await store.saveProgress(
                eventID: source.id, progress: CoalescedPlan.eventsStart(of: own) ?? 0, contact: own.first?.subject.key,
                inflightSince: nil, written: nil, plannedBy: source.plannedBy)
        }
        for (operation, source) in merged.events {
            guard let position = sources.firstIndex(where: { $0.id == source.event }) else { continue }
            guard !lease.lost else {
                log.warning("the lease ran out and another worker may have the event; stopping this attempt")
                return
            }
            let event = sources[position]
            let own = plans[position].operations
            let step = try await perform(
                operation, at: source.index, of: own.count, event, own.first?.subject.key, &writes, log)
            guard case .failed = step else { continue }
            try await finishDelivered(Array(sources[..<position]), plans, leader, writes.unchanged, startedAt, log)
            try await end(event, step, startedAt, log)
            try await store.release(eventIDs: sources[(position + 1)...].map(\.id))
            return
        }
        guard !lease.lost else {
            log.warning("the lease ran out and another worker may have the event; not recording this attempt")
            return
        }
        try await finishDelivered(sources, plans, leader, writes.unchanged, startedAt, log)
    }

    /// Records how `event`'s attempt ended after `step` (a failure).
    private func end(_ event: StoredEvent, _ step: DeliveryStep, _ startedAt: Date, _ log: Logger)
        async throws(BridgeStoreError)
    {
        guard case .finish(let outcome) = configuration.lifecycle.decide(step, for: standing(event), now: Date())
        else { return }
        try await store.finish(
            eventID: event.id, outcome: outcome, at: Date(), startedAt: startedAt, plannedBy: event.plannedBy)
        report(outcome, event, log)
    }

    /// Marks `events` delivered: the leader with its operations, the others as carried by the leader.
    private func finishDelivered(
        _ events: [StoredEvent], _ plans: [(event: Int64, operations: [CrispOperation])], _ leader: StoredEvent,
        _ unchanged: Int, _ startedAt: Date, _ log: Logger
    ) async throws(BridgeStoreError) {
        for (position, event) in events.enumerated() {
            let count = plans[position].operations.count
            let outcome: DeliveryOutcome =
                event.id == leader.id
                ? .delivered(operations: count, unchanged: unchanged) : .carried(by: leader.id, operations: count)
            try await store.finish(
                eventID: event.id, outcome: outcome, at: Date(), startedAt: startedAt, plannedBy: event.plannedBy)
            if event.id != leader.id { BridgeMetrics.coalesced(pipeline: event.pipeline) }
            report(outcome, event, log)
        }
    }
}
