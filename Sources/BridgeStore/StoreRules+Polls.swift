import BridgeCore
import Foundation

extension StoreRules {
    /// Makes a poll pipeline's row, the first time it is named.
    static func ensurePoll(_ pipeline: String) -> StoreStatement {
        "INSERT INTO polls (pipeline) VALUES (\(pipeline)) ON CONFLICT DO NOTHING"
    }

    /// Takes the poll lease of `pipeline` for `owner` until `until` (leases in the store's lease clock, as `held`
    /// is) unless another owner's lease holds at `held`, or, with `onlyIfDue`, the next poll is not due at `now`.
    /// Returns the poll's row when it was taken.
    static func leasePoll(
        _ pipeline: String, owner: String, held: Double, until: Double, now: Double, onlyIfDue: Bool
    ) -> StoreStatement {
        """
        UPDATE polls SET lease_owner = \(owner), lease_until = \(until)
        WHERE pipeline = \(pipeline) AND (lease_owner IS NULL OR lease_owner = \(owner) OR lease_until < \(held))
            AND (NOT \(onlyIfDue) OR next_poll_at IS NULL OR next_poll_at <= \(now))
        RETURNING *
        """
    }

    /// Who holds the poll lease of `pipeline` (the row locked on PostgreSQL until the transaction ends).
    static func pollOwner(_ pipeline: String) -> StoreStatement {
        "SELECT lease_owner FROM polls WHERE pipeline = \(pipeline)\(only: .postgres, " FOR UPDATE")"
    }

    /// Remembers an item id a poll has seen without storing it as an event (an item the pipeline skipped).
    static func seen(_ id: String, pipeline: String, at: Double) -> StoreStatement {
        """
        INSERT INTO dedupe (pipeline, dedupe_id, event_id, accepted_at) VALUES (\(pipeline), \(id), 0, \(at))
        ON CONFLICT DO NOTHING
        """
    }

    /// Ends a poll that succeeded: its cursor and where paging stopped, `stored` new events counted, the failures
    /// cleared (the last error is `problem`, why paging stopped short, if it did), the next poll due at `next`, the
    /// lease given back.
    static func pollSucceeded(
        _ pipeline: String, cursor: JSONValue, resume: JSONValue?, stored: Int, problem: String? = nil, at: Double,
        next: Double
    ) -> StoreStatement {
        """
        UPDATE polls SET cursor = \(cursor.jsonText), resume = \(resume?.jsonText), last_poll_at = \(at),
            last_success_at = \(at), last_error = \(problem), failures = 0, next_poll_at = \(next),
            items_stored = items_stored + \(stored), lease_owner = NULL, lease_until = NULL
        WHERE pipeline = \(pipeline)
        """
    }

    /// Ends a poll that failed: the cursor kept, the failure counted, the next poll due at `next`, the lease
    /// given back.
    static func pollFailed(_ pipeline: String, reason: String, at: Double, next: Double) -> StoreStatement {
        """
        UPDATE polls SET last_poll_at = \(at), last_error = \(reason), failures = failures + 1,
            next_poll_at = \(next), lease_owner = NULL, lease_until = NULL
        WHERE pipeline = \(pipeline)
        """
    }

    /// Sets a poll's cursor by hand: where paging stopped and the failures are dropped, the next poll due at once.
    static func setPollCursor(_ pipeline: String, cursor: JSONValue?) -> StoreStatement {
        """
        UPDATE polls SET cursor = \(cursor?.jsonText), resume = NULL, failures = 0, last_error = NULL,
            next_poll_at = NULL
        WHERE pipeline = \(pipeline)
        """
    }
}
