import Foundation

extension StoreRules {
    /// The event numbered `id`.
    static func event(_ id: Int64) -> StoreStatement { "SELECT * FROM events WHERE id = \(id)" }

    /// The events with this dedupe id, in any pipeline, oldest first.
    static func events(dedupeID: String) -> StoreStatement {
        "SELECT * FROM events WHERE dedupe_id = \(dedupeID) ORDER BY id"
    }

    /// An event's attempts, oldest first.
    static func attempts(eventID: Int64) -> StoreStatement {
        "SELECT * FROM attempts WHERE event_id = \(eventID) ORDER BY id"
    }

    /// The stored request numbered `id`.
    static func request(_ id: Int64) -> StoreStatement { "SELECT * FROM requests WHERE id = \(id)" }

    /// The last `limit` requests stored for `pipeline`, newest first.
    static func recentRequests(pipeline: String, limit: Int) -> StoreStatement {
        "SELECT * FROM requests WHERE pipeline = \(pipeline) ORDER BY id DESC LIMIT \(limit)"
    }

    /// How many events are in each status, and how many pending ones are due at `now`.
    static func countsByStatus(now: Double) -> StoreStatement {
        """
        SELECT status, COUNT(*) AS n,
            SUM(CASE WHEN status = 'pending' AND next_attempt_at <= \(now) THEN 1 ELSE 0 END) AS due
        FROM events GROUP BY status
        """
    }

    /// The rows of one import: events numbered in `ids` whose dedupe id starts with `prefix`.
    private static func importRows(_ ids: ClosedRange<Int64>, prefix: String) -> StoreStatement {
        """
        id BETWEEN \(ids.lowerBound) AND \(ids.upperBound)
            AND substr(dedupe_id, 1, length(\(prefix))) = \(prefix)
        """
    }

    /// How many of one import's rows are in each status.
    static func importCounts(_ ids: ClosedRange<Int64>, prefix: String) -> StoreStatement {
        "SELECT status, COUNT(*) AS n FROM events WHERE " + importRows(ids, prefix: prefix) + " GROUP BY status"
    }

    /// One import's rows in `status`, oldest first.
    static func importEvents(_ ids: ClosedRange<Int64>, prefix: String, status: EventStatus) -> StoreStatement {
        "SELECT * FROM events WHERE " + importRows(ids, prefix: prefix)
            + " AND status = \(status.rawValue) ORDER BY id"
    }

    /// The nearest earlier pending event of `contact` before `eventID` (a row whose `id` may be null).
    static func earlierPendingEvent(contact: String, before eventID: Int64) -> StoreStatement {
        "SELECT MAX(id) AS id FROM events WHERE contact = \(contact) AND status = 'pending' AND id < \(eventID)"
    }

    /// What was last written to `contact`: field → digest.
    static func writtenFields(contact: String) -> StoreStatement {
        "SELECT field, digest FROM contact_fields WHERE contact = \(contact.lowercased())"
    }

    /// Today's (`day`'s) Crisp requests by route and outcome.
    static func crispRequests(day: String) -> StoreStatement {
        "SELECT route, outcome, count FROM crisp_requests WHERE day = \(day) ORDER BY route, outcome"
    }

    /// Since when Crisp's daily quota has been used up (a row when it is).
    static let quotaExhaustedSince: StoreStatement =
        "SELECT value FROM bridge_settings WHERE name = 'crisp_quota_exhausted_since'"

    /// Forgets the dedupe ids accepted before `before`; a row for each.
    static func purgeDedupe(before: Double) -> StoreStatement {
        "DELETE FROM dedupe WHERE accepted_at < \(before) RETURNING 1"
    }
}
