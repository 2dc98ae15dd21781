import BridgeCore
import Foundation

/// The delivery queue: what intake and the delivery worker need of the store. Accepted events are durable when
/// `accept` returns (the sender may be answered); a dedupe id is accepted once; a claimed event is leased to one
/// worker until it finishes or the lease runs out (a crash releases it); per-contact order lives in the claim.
public protocol DeliveryQueue: ConversationWriteLedger {
    /// Stores a request and its events in one transaction; events whose dedupe id was already accepted for
    /// this pipeline are not stored again (reported as duplicates). The request is stored only if one of its
    /// events is new.
    func accept(_ request: IncomingRequest, events: [IncomingEvent]) async throws(BridgeStoreError) -> [AcceptedEvent]

    /// Leases up to `limit` pending events that are due (oldest first) for `lease` seconds. Per-contact order
    /// lives here: an event is not claimed while an earlier event with its order key is pending, nor while the
    /// earlier event it waits for is. With `pipelines`, only the events of those pipelines are claimed (the ones
    /// this instance has loaded): the others are left for an instance that has them.
    func claimDue(now: Date, limit: Int, lease: TimeInterval, pipelines: [String]?) async throws(BridgeStoreError)
        -> [StoredEvent]

    /// Extends a claimed event's lease from `held` (what the claim or the last renewal gave) to `until`, and
    /// returns the lease as stored (in the store's time: what the next renewal names as `held`); nil when the
    /// lease is no longer this worker's (it ran out and another worker claimed the event).
    func renewLease(eventID: Int64, held: Date, until: Date) async throws(BridgeStoreError) -> Date?

    /// The stored request an event came from.
    func request(_ id: Int64) async throws(BridgeStoreError) -> StoredRequest?

    /// Records how far the event's plan got, and its contact, so a retry never repeats an operation.
    /// `inflightSince` marks that the operation at `progress` has started and must not be repeated blindly.
    /// `written` updates what was last written to its contact, in the same transaction (see `WrittenFields`).
    /// `plannedBy` (when given) records the pipeline version whose plan `progress` counts in.
    func saveProgress(
        eventID: Int64, progress: Int, contact: String?, inflightSince: Date?, written: [ContactWrites],
        plannedBy: String?
    ) async throws(BridgeStoreError)

    /// Leases, for `lease` seconds, the events that wait right behind `leader` with its order key (the same
    /// contact), up to `limit`: the unbroken run of pending ones nobody has started (no progress, nothing in
    /// flight, not leased), oldest first. Their writes go out merged with the leader's (`CoalescedPlan`).
    func claimFollowers(of leader: StoredEvent, limit: Int, lease: TimeInterval, now: Date)
        async throws(BridgeStoreError) -> [StoredEvent]

    /// Gives claimed events back without an attempt: their lease ends, nothing else changes.
    func release(eventIDs: [Int64]) async throws(BridgeStoreError)

    /// What crisp-bridge last wrote to `contact` (an email), field by field.
    func writtenFields(contact: String) async throws(BridgeStoreError) -> WrittenFields

    /// Persists how an attempt ended (`DeliveryLifecycle` decided it) and releases the lease: delivered or
    /// skipped → done, retry → pending until its time, dead → dead, each with an attempt record; waiting →
    /// pending behind the earlier event, claimable only once that one is through (no attempt record).
    /// `startedAt` is when the attempt began (its record keeps the duration); `plannedBy` is the version of the
    /// pipeline that planned it (`Pipeline.version`), kept with the event and the attempt.
    /// With `progress`, how far the attempt got is recorded in the same transaction (as `saveProgress` records
    /// it): the last save of an attempt folded into its finish.
    func finish(
        eventID: Int64, outcome: DeliveryOutcome, at: Date, startedAt: Date?, plannedBy: String?,
        progress: ProgressSave?
    ) async throws(BridgeStoreError)

    /// The nearest earlier event (the highest lower id) of the same contact that is still pending, if any: a
    /// later event waits for it, so a run of events of one contact goes one after the other.
    func earlierPendingEvent(contact: String, before eventID: Int64) async throws(BridgeStoreError) -> Int64?

    /// Calls `onNew` whenever another process stored new events, until the task is cancelled.
    func watchNewEvents(_ onNew: @escaping @Sendable () -> Void) async
}

extension DeliveryQueue {
    /// Calls `onNew` whenever another process stored new events, until the task is cancelled (PostgreSQL:
    /// `LISTEN`). A store only one process uses has nothing to watch and returns at once.
    public func watchNewEvents(_ onNew: @escaping @Sendable () -> Void) async {}

    /// Records how far the event's plan got (see the requirement), writing nothing about the contact.
    public func saveProgress(eventID: Int64, progress: Int, contact: String?, inflightSince: Date?)
        async throws(BridgeStoreError)
    {
        try await saveProgress(
            eventID: eventID, progress: progress, contact: contact, inflightSince: inflightSince, written: nil,
            plannedBy: nil)
    }

    /// Records how far the event's plan got and what was written to its contact (see the requirement).
    public func saveProgress(
        eventID: Int64, progress: Int, contact: String?, inflightSince: Date?, written: ContactWrites?
    ) async throws(BridgeStoreError) {
        try await saveProgress(
            eventID: eventID, progress: progress, contact: contact, inflightSince: inflightSince, written: written,
            plannedBy: nil)
    }

    /// Records how far the event's plan got, and what one operation wrote to its contact, if anything.
    public func saveProgress(
        eventID: Int64, progress: Int, contact: String?, inflightSince: Date?, written: ContactWrites?,
        plannedBy: String?
    ) async throws(BridgeStoreError) {
        try await saveProgress(
            eventID: eventID, progress: progress, contact: contact, inflightSince: inflightSince,
            written: written.map { [$0] } ?? [], plannedBy: plannedBy)
    }

    /// Persists how an attempt ended, its progress recorded before.
    public func finish(eventID: Int64, outcome: DeliveryOutcome, at: Date, startedAt: Date?, plannedBy: String?)
        async throws(BridgeStoreError)
    {
        try await finish(
            eventID: eventID, outcome: outcome, at: at, startedAt: startedAt, plannedBy: plannedBy, progress: nil)
    }

    /// Persists how an attempt ended, without its duration.
    public func finish(eventID: Int64, outcome: DeliveryOutcome, at: Date) async throws(BridgeStoreError) {
        try await finish(eventID: eventID, outcome: outcome, at: at, startedAt: nil, plannedBy: nil)
    }
}

extension DeliveryQueue {
    /// Leases due events of any pipeline (see `claimDue(now:limit:lease:pipelines:)`).
    public func claimDue(now: Date, limit: Int, lease: TimeInterval) async throws(BridgeStoreError) -> [StoredEvent] {
        try await claimDue(now: now, limit: limit, lease: lease, pipelines: nil)
    }
}
