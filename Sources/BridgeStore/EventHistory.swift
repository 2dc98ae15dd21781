import BridgeCore
import Foundation

/// The read side and the operator's actions on it: the events, their attempts and requests as `events`, the
/// admin API and the console show them, and replays.
public protocol EventHistory: Sendable {
    /// The events `filter` selects, newest first.
    func events(matching filter: EventFilter) async throws(BridgeStoreError) -> [StoredEvent]

    /// The event numbered `id`, if there is one.
    func event(_ id: Int64) async throws(BridgeStoreError) -> StoredEvent?

    /// The events with this dedupe id (the id a 202 answer prints), in any pipeline, oldest first.
    func events(dedupeID: String) async throws(BridgeStoreError) -> [StoredEvent]

    /// The attempts recorded for an event, oldest first.
    func attempts(eventID: Int64) async throws(BridgeStoreError) -> [AttemptRecord]

    /// Sends events again: dead or done events become pending, due now, with a fresh age limit (counted from
    /// `now`) and a `replayed` attempt record. Returns how many were re-queued. A dead event resumes after the
    /// operations its progress says are done (none is repeated, and one left in flight is looked for first); a
    /// done event, or any with `fromStart`, runs its whole plan again (its Crisp events, notes and calls may then
    /// be sent twice). With `force`, every value is written again, even one equal to what was last written.
    func replay(ids: [Int64], now: Date, force: Bool, fromStart: Bool) async throws(BridgeStoreError) -> Int

    /// Replays every dead event received since `since`, as `replay` does.
    func replayDead(since: Date, now: Date, fromStart: Bool) async throws(BridgeStoreError) -> Int

    /// Removes the next `limit` events past retention numbered above `after` — done (delivered or skipped) ones
    /// last updated before `doneBefore`, dead ones before `deadBefore` — with their attempts and the requests no
    /// other event refers to: they are looked for outside the write lock, then removed in one short transaction
    /// that checks each again (one replayed or claimed meanwhile stays).
    func prune(doneBefore: Date, deadBefore: Date, after: Int64, limit: Int) async throws(BridgeStoreError)
        -> PruneBatch

    /// Gives back to the file system up to `pages` pages that pruning freed (SQLite with incremental
    /// auto-vacuum; PostgreSQL's autovacuum does it on its own); returns how many bytes.
    func reclaimSpace(pages: Int) async throws(BridgeStoreError) -> Int64

    /// The store's size, its events by status and the oldest one kept (`events stats`, the console).
    func stats() async throws(BridgeStoreError) -> StoreStats

    /// Forgets dedupe ids accepted before `before` (the retention window); returns how many.
    func purgeDedupe(before: Date) async throws(BridgeStoreError) -> Int

    /// How many of the events numbered `ids` whose dedupe id starts with `prefix` are in each status: the rows
    /// of one `import`, wherever they stand (a `serve` sharing the store may deliver some of them).
    func counts(ids: ClosedRange<Int64>, dedupePrefix prefix: String) async throws(BridgeStoreError)
        -> [EventStatus: Int]

    /// The events numbered `ids` whose dedupe id starts with `prefix`, in `status`, oldest first.
    func events(ids: ClosedRange<Int64>, dedupePrefix prefix: String, status: EventStatus)
        async throws(BridgeStoreError) -> [StoredEvent]

    /// How many events are in each status, and how many pending ones are due now.
    func counts(now: Date) async throws(BridgeStoreError) -> (byStatus: [EventStatus: Int], due: Int)

    /// How many events are pending, by pipeline.
    func pendingByPipeline() async throws(BridgeStoreError) -> [String: Int]

    /// How many events `filter` selects, whatever its limit (a bulk replay's preview).
    func count(matching filter: EventFilter) async throws(BridgeStoreError) -> Int

    /// The numbers of the events `filter` selects, newest first, up to its limit (a bulk replay's batch).
    func eventIDs(matching filter: EventFilter) async throws(BridgeStoreError) -> [Int64]

    /// The number of the newest event, nil when there is none.
    func latestEventID() async throws(BridgeStoreError) -> Int64?

    /// The dead events by pipeline and last error, with counts and first and last seen.
    func failureCounts() async throws(BridgeStoreError) -> [FailureCount]

    /// What happened over the day before `now`: received, attempts by outcome, backlog, deliveries per minute.
    func activity(now: Date) async throws(BridgeStoreError) -> StoreActivity

    /// The last `limit` requests stored for `pipeline` (the newest ones, by the order they were stored), returned
    /// oldest first: what `crisp-bridge diff --store` plans with two versions of the pipeline.
    func recentRequests(pipeline: String, limit: Int) async throws(BridgeStoreError) -> [StoredRequest]
}

extension EventHistory {
    /// Events, newest first, optionally of one status and received since a time.
    public func events(status: EventStatus?, since: Date?, limit: Int) async throws(BridgeStoreError)
        -> [StoredEvent]
    {
        try await events(matching: EventFilter(status: status, since: since, limit: limit))
    }

    /// The events an operator means by `id`: the event with that number (the first column of `events list`),
    /// else the events with that dedupe id (the id a 202 answer printed), oldest first. Empty when none.
    public func find(_ id: String) async throws(BridgeStoreError) -> [StoredEvent] {
        if let number = Int64(id), let event = try await event(number) { return [event] }
        return try await events(dedupeID: id)
    }

    /// Sends events again, skipping values equal to what was last written; a dead event resumes.
    public func replay(ids: [Int64], now: Date) async throws(BridgeStoreError) -> Int {
        try await replay(ids: ids, now: now, force: false, fromStart: false)
    }

    /// Sends events again; a dead event resumes.
    public func replay(ids: [Int64], now: Date, force: Bool) async throws(BridgeStoreError) -> Int {
        try await replay(ids: ids, now: now, force: force, fromStart: false)
    }

    /// A page of the events `filter` selects, and where the next page starts. A field of the request is looked
    /// for among `window` ids below `before` (or the newest event) at a time.
    public func page(matching filter: EventFilter, window: Int64 = EventPage.searchWindow)
        async throws(BridgeStoreError) -> EventPage
    {
        guard filter.readsRequests else {
            let events = try await events(matching: filter)
            return EventPage(events: events, nextBefore: events.count == filter.limit ? events.last?.id : nil)
        }
        let newest = filter.before == nil ? try await latestEventID() : nil
        guard let top = filter.before.map({ $0 - 1 }) ?? newest else { return EventPage(events: [], nextBefore: nil) }
        var searched = filter
        searched.before = top + 1
        searched.after = max(filter.after ?? 0, top - max(1, window))
        let events = try await events(matching: searched)
        let floor = searched.after ?? 0
        let full = events.count == filter.limit
        let next: Int64? = full ? events.last?.id : floor > (filter.after ?? 0) ? floor + 1 : nil
        // A full page stops at its last event; else the whole window was read.
        let low = full ? events.last?.id ?? floor + 1 : floor + 1
        return EventPage(events: events, nextBefore: next, searched: min(low, top)...top)
    }

    /// Replays every dead event received since `since`; each resumes.
    public func replayDead(since: Date, now: Date) async throws(BridgeStoreError) -> Int {
        try await replayDead(since: since, now: now, fromStart: false)
    }
}
