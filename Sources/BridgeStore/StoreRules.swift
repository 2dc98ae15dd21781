import BridgeCore
import Foundation

/// The rules of the event queue, as SQL written once for both stores: which events a claim may take (a contact's
/// events one after the other), how a finish, a wait or a pause leaves an event, how progress and the fields
/// written to a contact are recorded, how the end of a quota pause shifts ages, and how a replay re-queues.
/// The stores only run these statements, each in its own transaction and dialect (`StoreStatement`); they differ
/// only in how they talk to their database.
enum StoreRules {
    /// Leases, until `held + lease`, up to `limit` pending events that are due at `now` and not leased at `held`
    /// (the store's lease clock), oldest due first. Per-contact order: an event is not claimed while an earlier
    /// event with its order key is pending, nor while the earlier event it waits for is. Returns the claimed rows;
    /// `claimView` then says what the claim saw around them. With `pipelines`, only their events are claimed:
    /// an instance leaves the events of a pipeline it has not loaded to one that has (an import's rows, say).
    static func claimDue(now: Double, held: Double, lease: Double, limit: Int, pipelines: [String]?)
        -> StoreStatement
    {
        """
        UPDATE events SET lease_until = \(held + lease)
        WHERE id IN (
            SELECT id FROM events
            WHERE status = 'pending' AND next_attempt_at <= \(now)
                AND (lease_until IS NULL OR lease_until < \(held))
                AND (\(pipelines == nil) OR pipeline \(among: pipelines ?? []))
                AND (waiting_for IS NULL OR NOT EXISTS (
                    SELECT 1 FROM events AS earlier WHERE earlier.id = events.waiting_for
                        AND earlier.status = 'pending'))
                AND (order_key IS NULL OR NOT EXISTS (
                    SELECT 1 FROM events AS earlier WHERE earlier.order_key = events.order_key
                        AND earlier.status = 'pending' AND earlier.id < events.id))
            ORDER BY next_attempt_at, id LIMIT \(limit)\(only: .postgres, " FOR UPDATE SKIP LOCKED"))
        RETURNING *
        """
    }

    /// What a claim saw around the events `ids` it just took, in its transaction (`ClaimView`): whether events
    /// of the same order key wait behind each, the nearest earlier pending event of its contact, and what was last
    /// written to that contact. (A separate statement, not the claim's `RETURNING`: SQLite plans subqueries
    /// there without the indexes, a scan of every pending event per claimed one.)
    static func claimView(_ ids: [Int64]) -> StoreStatement {
        """
        SELECT events.id,
            EXISTS (
                SELECT 1 FROM events AS later WHERE later.order_key = events.order_key AND later.status = 'pending'
                    AND later.id > events.id) AS followers_waiting,
            (SELECT MAX(earlier.id) FROM events AS earlier WHERE earlier.contact = events.contact
                AND earlier.status = 'pending' AND earlier.id < events.id) AS earlier_of_contact,
            (SELECT \(only: .sqlite, "json_group_object(field, digest)")\(only: .postgres, "json_object_agg(field, digest)::text")
                FROM contact_fields WHERE contact_fields.contact = events.contact) AS written_fields
        FROM events WHERE id \(in: ids)
        """
    }

    /// Extends a lease from `held` to `until` if it is still the one this worker holds; returns the event's id
    /// when it was.
    static func renewLease(eventID: Int64, held: Double, until: Double) -> StoreStatement {
        """
        UPDATE events SET lease_until = \(until)
        WHERE id = \(eventID) AND lease_until = \(held) AND status = 'pending'
        RETURNING id
        """
    }

    /// The pending events behind `leaderID` with the same order key, oldest first (locked on PostgreSQL until the
    /// transaction ends); which of them may follow is `StoredEvent.mayFollow`.
    static func followers(orderKey: String, after leaderID: Int64, limit: Int) -> StoreStatement {
        """
        SELECT * FROM events WHERE order_key = \(orderKey) AND status = 'pending' AND id > \(leaderID)
        ORDER BY id LIMIT \(limit)\(only: .postgres, " FOR UPDATE")
        """
    }

    /// Leases the events `ids` until `until`.
    static func lease(_ ids: [Int64], until: Double) -> StoreStatement {
        "UPDATE events SET lease_until = \(until) WHERE id \(in: ids)"
    }

    /// Gives the events `ids` back: their lease ends, nothing else changes.
    static func release(_ ids: [Int64]) -> StoreStatement {
        "UPDATE events SET lease_until = NULL WHERE id \(in: ids)"
    }

    /// Records how far an event's plan got, and what its operations wrote to their contacts (a field's digest,
    /// or its removal), in the order they wrote it.
    static func progress(_ save: ProgressSave, of eventID: Int64, plannedBy: String?, at now: Double)
        -> [StoreStatement]
    {
        var statements: [StoreStatement] = [
            """
            UPDATE events SET progress = \(save.progress), contact = COALESCE(\(save.contact), contact),
                inflight_since = \(save.inflightSince?.timeIntervalSince1970), updated_at = \(now),
                planned_by = COALESCE(\(plannedBy), planned_by)
            WHERE id = \(eventID)
            """
        ]
        for written in save.written {
            let kept = written.digests.compactMapValues { $0 }.sorted { $0.key < $1.key }
            let forgotten = written.digests.filter { $0.value == nil }.map(\.key).sorted()
            if !kept.isEmpty {
                let rows = kept.enumerated().map { index, field -> StoreStatement in
                    (index == 0 ? "" : ", ") + "(\(written.contact), \(field.key), \(field.value))"
                }
                statements.append(
                    rows.reduce("INSERT INTO contact_fields (contact, field, digest) VALUES ", +)
                        + " ON CONFLICT (contact, field) DO UPDATE SET digest = excluded.digest")
            }
            if !forgotten.isEmpty {
                statements.append(
                    "DELETE FROM contact_fields WHERE contact = \(written.contact) AND field \(in: forgotten)")
            }
        }
        return statements
    }

    /// How an attempt ended, as `DeliveryLifecycle` decided it: waiting behind an earlier event or paused, the
    /// event stays pending without an attempt record; otherwise it becomes done, pending until its retry, or
    /// dead, and the attempt is recorded with its duration and the pipeline version that planned it.
    /// `dueShift` turns this instance's times into the store's clock for `next_attempt_at` (PostgreSQL: the
    /// server's, `PostgresBridgeStore.databaseSkew`; SQLite: 0).
    static func finish(
        eventID: Int64, outcome: DeliveryOutcome, at: Date, startedAt: Date?, plannedBy: String?,
        operations: [OperationLog] = [], warnings: [String] = [], dueShift: Double = 0
    ) -> [StoreStatement] {
        let t = at.timeIntervalSince1970
        switch outcome {
        case .waiting(let earlier, let until):
            return [
                """
                UPDATE events SET next_attempt_at = \(until.timeIntervalSince1970 + dueShift), waiting_for = \(earlier),
                    lease_until = NULL, updated_at = \(t)
                WHERE id = \(eventID)
                """
            ]
        case .paused(let until, let reason):
            return [
                """
                UPDATE events SET next_attempt_at = \(until.timeIntervalSince1970 + dueShift), waiting_for = NULL,
                    lease_until = NULL, last_error = \(reason), updated_at = \(t)
                WHERE id = \(eventID)
                """
            ]
        default:
            var record = AttemptRecord.of(outcome, eventID: eventID, at: at, startedAt: startedAt)
            if !warnings.isEmpty {
                record.reason += " (warning\(warnings.count == 1 ? "" : "s"): \(warnings.joined(separator: "; ")))"
            }
            let status = record.eventStatus
            let due: Double? =
                if case .retry(let when, _, _) = outcome { when.timeIntervalSince1970 + dueShift } else { nil }
            let lastError: String? = status == .done ? nil : record.reason
            return [
                """
                UPDATE events SET status = \(status.rawValue), next_attempt_at = \(due), lease_until = NULL,
                    waiting_for = NULL, attempts = attempts + 1, last_error = \(lastError), updated_at = \(t),
                    planned_by = COALESCE(\(plannedBy), planned_by)
                WHERE id = \(eventID)
                """,
                """
                INSERT INTO attempts (event_id, at, outcome, http_status, reason, duration_ms, planned_by, operations)
                VALUES (\(eventID), \(t), \(record.outcome), \(record.httpStatus), \(record.reason),
                    \(record.duration.map { $0 * 1000 }), \(plannedBy), \(OperationLog.text(operations)))
                """,
            ]
        }
    }

    /// Marks Crisp's daily quota as used up since `since` (the first instance to see it sets the time).
    static func quotaExhausted(since: Double) -> StoreStatement {
        """
        INSERT INTO bridge_settings (name, value) VALUES ('crisp_quota_exhausted_since', \(String(since)))
        ON CONFLICT (name) DO NOTHING
        """
    }

    /// Clears the quota mark and returns when it was set (no row: another instance cleared it first).
    static let quotaCleared: StoreStatement =
        "DELETE FROM bridge_settings WHERE name = 'crisp_quota_exhausted_since' RETURNING value"

    /// Moves the age of every pending event forward by `pause` seconds: time paused for the quota never counts
    /// toward the age limit.
    static func shiftAges(by pause: Double) -> StoreStatement {
        "UPDATE events SET age_from = COALESCE(age_from, created_at) + \(max(0, pause)) WHERE status = 'pending'"
    }

    /// Adds to the count of requests made to Crisp, by day, route and outcome.
    static func addCrispRequests(_ counts: [CrispRequestCount]) -> StoreStatement? {
        var merged: [String: CrispRequestCount] = [:]
        for count in counts {
            merged[
                "\(count.day)\u{0}\(count.route)\u{0}\(count.outcome)",
                default: CrispRequestCount(
                    day: count.day, route: count.route, outcome: count.outcome, count: 0)
            ].count += count.count
        }
        guard !merged.isEmpty else { return nil }
        let rows = merged.keys.sorted().enumerated().map { index, key -> StoreStatement in
            let count = merged[key]!
            return (index == 0 ? "" : ", ") + "(\(count.day), \(count.route), \(count.outcome), \(count.count))"
        }
        return rows.reduce("INSERT INTO crisp_requests (day, route, outcome, count) VALUES ", +)
            + " ON CONFLICT (day, route, outcome) DO UPDATE SET count = crisp_requests.count + excluded.count"
    }

    /// Re-queues the dead or done events that `condition` selects: due now, their age counted from now, a dead
    /// one from its progress unless `fromStart` (a done one always from the start). Returns their ids.
    static func requeue(where condition: StoreStatement, now: Double, due: Double, force: Bool, fromStart: Bool)
        -> StoreStatement
    {
        """
        UPDATE events SET status = 'pending', next_attempt_at = \(due), lease_until = NULL,
            progress = CASE WHEN status = 'done' OR \(fromStart) THEN 0 ELSE progress END,
            inflight_since = CASE WHEN status = 'done' OR \(fromStart) THEN NULL ELSE inflight_since END,
            waiting_for = NULL, age_from = \(now), updated_at = \(now), force_write = \(force)
        WHERE status IN ('dead', 'done') AND (
        """ + condition + ") RETURNING id"
    }

    /// The `replayed` attempt record of a re-queued event.
    static func replayed(_ eventID: Int64, at now: Double, fromStart: Bool) -> StoreStatement {
        """
        INSERT INTO attempts (event_id, at, outcome, http_status, reason)
        VALUES (\(eventID), \(now), 'replayed', NULL, \(replayReason(fromStart: fromStart)))
        """
    }

    /// The reason a `replayed` attempt record gives.
    static func replayReason(fromStart: Bool) -> String {
        fromStart
            ? "replayed by an operator from the start of its plan: a fresh age limit from now"
            : "replayed by an operator: a fresh age limit from now; a dead event resumes after the operations already done"
    }

    /// How many events are pending, by pipeline (through the index on status).
    static let pendingByPipeline: StoreStatement = """
        SELECT pipeline, COUNT(*) AS n FROM events\(only: .sqlite, " INDEXED BY events_status_id")
        WHERE status = 'pending' GROUP BY pipeline
        """

    /// The events past retention: done ones last updated before `doneBefore`, dead ones before `deadBefore`.
    static func pastRetention(doneBefore: Double, deadBefore: Double) -> StoreStatement {
        "((status = 'done' AND updated_at < \(doneBefore)) OR (status = 'dead' AND updated_at < \(deadBefore)))"
    }

    /// Up to `limit` events past retention numbered above `after`, oldest first: walked by id, so a pass reads
    /// the table once (SQLite is told not to use the status index: it would collect and sort every done event
    /// per batch). Read outside the write lock; `removeEvents` checks each again.
    static func prunable(doneBefore: Double, deadBefore: Double, after: Int64, limit: Int) -> StoreStatement {
        "SELECT id FROM events\(only: .sqlite, " NOT INDEXED") WHERE id > \(after) AND "
            + pastRetention(doneBefore: doneBefore, deadBefore: deadBefore) + " ORDER BY id LIMIT \(limit)"
    }

    /// Removes those of the events `ids` still past retention (one replayed or claimed meanwhile is not), and
    /// returns their ids and requests.
    static func removeEvents(_ ids: [Int64], doneBefore: Double, deadBefore: Double) -> StoreStatement {
        "DELETE FROM events WHERE id \(in: ids) AND " + pastRetention(doneBefore: doneBefore, deadBefore: deadBefore)
            + " RETURNING id, request_id"
    }

    /// Removes the attempts of the removed events `ids`, and those of `requestIDs` no event refers to any more.
    static func removeTraces(of ids: [Int64], requests requestIDs: [Int64]) -> [StoreStatement] {
        [
            "DELETE FROM attempts WHERE event_id \(in: ids)",
            """
            DELETE FROM requests WHERE id \(in: requestIDs)
                AND NOT EXISTS (SELECT 1 FROM events WHERE events.request_id = requests.id)
            """,
        ]
    }

    /// The oldest event kept, and how many events there are in each status.
    static let eventStats: StoreStatement =
        "SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest FROM events GROUP BY status"
}
