import BridgeCore
import Foundation

/// Durable state of the runtime: received requests, their events and attempts, dead letters, dedupe ids.
///
/// Every backend (SQLite now, PostgreSQL next) passes the same conformance suite. The promises callers rely on:
/// `accept` is durable when it returns (the sender may be answered), a dedupe id is accepted once, a claimed
/// event is leased to one worker until it finishes or the lease runs out (a crash releases it).
public protocol BridgeStore: Sendable {
    /// Stores a request and its events in one transaction; events whose dedupe id was already accepted for
    /// this pipeline are not stored again (reported as duplicates). The request is stored only if one of its
    /// events is new.
    func accept(_ request: IncomingRequest, events: [IncomingEvent]) async throws(BridgeStoreError) -> [AcceptedEvent]

    /// Leases up to `limit` pending events that are due (oldest first) for `lease` seconds. Per-contact order
    /// lives here: an event is not claimed while an earlier event with its order key is pending, nor while the
    /// earlier event it waits for is.
    func claimDue(now: Date, limit: Int, lease: TimeInterval) async throws(BridgeStoreError) -> [StoredEvent]

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

    /// Adds to the count of requests made to Crisp (every process that shares the store adds to one count).
    func addCrispRequests(_ counts: [CrispRequestCount]) async throws(BridgeStoreError)

    /// The requests made to Crisp on `day` (`yyyy-MM-dd`, UTC), by route and outcome.
    func crispRequests(day: String) async throws(BridgeStoreError) -> [CrispRequestCount]

    /// Records that Crisp's daily quota is used up (since `since`), or nil once Crisp answers again. Clearing it
    /// moves the age of every pending event forward by the pause (once, whichever instance clears it): time
    /// paused never counts toward the age limit.
    func setCrispQuotaExhausted(since: Date?) async throws(BridgeStoreError)

    /// Since when Crisp's daily quota has been used up, or nil when it is not.
    func crispQuotaExhaustedSince() async throws(BridgeStoreError) -> Date?

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

    /// Events, newest first, optionally of one status and received since a time.
    func events(status: EventStatus?, since: Date?, limit: Int) async throws(BridgeStoreError) -> [StoredEvent]

    func event(_ id: Int64) async throws(BridgeStoreError) -> StoredEvent?

    /// The events with this dedupe id (the id a 202 answer prints), in any pipeline, oldest first.
    func events(dedupeID: String) async throws(BridgeStoreError) -> [StoredEvent]

    func attempts(eventID: Int64) async throws(BridgeStoreError) -> [AttemptRecord]

    /// Sends events again: dead or done events become pending, due now, with a fresh age limit (counted from
    /// `now`) and a `replayed` attempt record. Returns how many were re-queued. A dead event resumes after the
    /// operations its progress says are done (none is repeated, and one left in flight is looked for first); a
    /// done event, or any with `fromStart`, runs its whole plan again (its Crisp events, notes and calls may then
    /// be sent twice). With `force`, every value is written again, even one equal to what was last written.
    func replay(ids: [Int64], now: Date, force: Bool, fromStart: Bool) async throws(BridgeStoreError) -> Int

    /// Replays every dead event received since `since`, as `replay` does.
    func replayDead(since: Date, now: Date, fromStart: Bool) async throws(BridgeStoreError) -> Int

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

    /// Checks that the store answers (for `/readyz`).
    func ping() async throws(BridgeStoreError)

    /// Calls `onNew` whenever another process stored new events, until the task is cancelled.
    func watchNewEvents(_ onNew: @escaping @Sendable () -> Void) async

    /// Keeps a secret a sender handed over in a handshake (Notion's verification token) for `pipeline`,
    /// untrusted: anyone who knows the URL can send a handshake. The newest three untrusted ones are kept.
    func saveHandshakeSecret(pipeline: String, secret: String, at: Date) async throws(BridgeStoreError)

    /// Marks a kept secret as the trusted one of `pipeline` (the operator checked it with the sender); the others
    /// lose their trust. False when no such secret is kept.
    func trustHandshakeSecret(pipeline: String, secret: String) async throws(BridgeStoreError) -> Bool

    /// The handshake secrets kept for `pipeline`, newest first.
    func handshakeSecrets(pipeline: String) async throws(BridgeStoreError) -> [HandshakeSecret]

    /// Takes the poll lease of `pipeline` for `owner` until `until` and returns its state, or nil while another
    /// owner's lease holds (only one instance polls a pipeline at a time), or, with `onlyIfDue`, while its next
    /// poll is not due. The pipeline's row is made on its first claim. A lease already held by `owner` is
    /// extended.
    func claimPoll(pipeline: String, owner: String, now: Date, until: Date, onlyIfDue: Bool)
        async throws(BridgeStoreError) -> PollState?

    /// Ends a poll that `owner` holds the lease of, in one transaction: a success stores the new items as events
    /// (those already seen are duplicates) and the cursor; a failure keeps the cursor and counts the failure.
    /// Either way the next poll is due at `next` and the lease is given back. Throws when the lease is no longer
    /// `owner`'s: nothing is stored, and the new owner polls again from the same cursor.
    func finishPoll(
        pipeline: String, owner: String, completion: PollCompletion, at: Date, next: Date
    ) async throws(BridgeStoreError) -> [AcceptedEvent]

    /// Every poll pipeline's state, by name.
    func pollStates() async throws(BridgeStoreError) -> [PollState]

    /// Sets a poll pipeline's cursor by hand (nil: as if never polled, so `start` applies again), drops where
    /// paging stopped and the failure count, and makes the next poll due at once. Items already stored stay
    /// stored (their ids are still seen).
    func setPollCursor(pipeline: String, cursor: JSONValue?) async throws(BridgeStoreError)

    /// The last `limit` requests stored for `pipeline` (the newest ones, by the order they were stored), returned
    /// oldest first: what `crisp-bridge diff --store` plans with two versions of the pipeline.
    func recentRequests(pipeline: String, limit: Int) async throws(BridgeStoreError) -> [StoredRequest]
}

extension BridgeStore {
    /// The events an operator means by `id`: the event with that number (the first column of `events list`),
    /// else the events with that dedupe id (the id a 202 answer printed), oldest first. Empty when none.
    public func find(_ id: String) async throws(BridgeStoreError) -> [StoredEvent] {
        if let number = Int64(id), let event = try await event(number) { return [event] }
        return try await events(dedupeID: id)
    }

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

    /// Sends events again, skipping values equal to what was last written; a dead event resumes.
    public func replay(ids: [Int64], now: Date) async throws(BridgeStoreError) -> Int {
        try await replay(ids: ids, now: now, force: false, fromStart: false)
    }

    /// Sends events again; a dead event resumes.
    public func replay(ids: [Int64], now: Date, force: Bool) async throws(BridgeStoreError) -> Int {
        try await replay(ids: ids, now: now, force: force, fromStart: false)
    }

    /// Replays every dead event received since `since`; each resumes.
    public func replayDead(since: Date, now: Date) async throws(BridgeStoreError) -> Int {
        try await replayDead(since: since, now: now, fromStart: false)
    }

    /// The reason a `replayed` attempt record gives.
    static func replayReason(fromStart: Bool) -> String {
        fromStart
            ? "replayed by an operator from the start of its plan: a fresh age limit from now"
            : "replayed by an operator: a fresh age limit from now; a dead event resumes after the operations already done"
    }

    /// Persists how an attempt ended, without its duration.
    public func finish(eventID: Int64, outcome: DeliveryOutcome, at: Date) async throws(BridgeStoreError) {
        try await finish(eventID: eventID, outcome: outcome, at: at, startedAt: nil, plannedBy: nil)
    }
}
