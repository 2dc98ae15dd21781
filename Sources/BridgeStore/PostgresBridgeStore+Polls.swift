import BridgeCore
import Foundation
import PostgresNIO

extension PostgresBridgeStore {
    public func claimPoll(pipeline: String, owner: String, now: Date, until: Date, onlyIfDue: Bool)
        async throws(BridgeStoreError) -> PollState?
    {
        let t = now.timeIntervalSince1970
        let logger = logger
        let rows = try await transaction { connection in
            try await connection.query(
                "INSERT INTO polls (pipeline) VALUES (\(pipeline)) ON CONFLICT DO NOTHING", logger: logger)
            return try await Self.rows(
                """
                UPDATE polls SET lease_owner = \(owner), lease_until = \(until.timeIntervalSince1970)
                WHERE pipeline = \(pipeline)
                    AND (lease_owner IS NULL OR lease_owner = \(owner) OR lease_until < \(t))
                    AND (NOT \(onlyIfDue) OR next_poll_at IS NULL OR next_poll_at <= \(t))
                RETURNING *
                """, on: connection, logger: logger)
        }
        return try rows.first.map(Self.pollState)
    }

    public func finishPoll(
        pipeline: String, owner: String, completion: PollCompletion, at: Date, next: Date
    ) async throws(BridgeStoreError) -> [AcceptedEvent] {
        let logger = logger
        let (t, n) = (at.timeIntervalSince1970, next.timeIntervalSince1970)
        let result: Result<[AcceptedEvent], BridgeStoreError> = try await transaction { connection in
            // The row stays locked until the end: a claim by another instance waits, then sees the lease free.
            let held = try await Self.rows(
                "SELECT lease_owner FROM polls WHERE pipeline = \(pipeline) FOR UPDATE", on: connection,
                logger: logger)
            guard try held.first?["lease_owner"].decode(String?.self) == owner else {
                return .failure(
                    BridgeStoreError("the poll lease of \(pipeline) was lost (another instance polls it now)"))
            }
            var accepted: [AcceptedEvent] = []
            switch completion {
            case .succeeded(let items, let seen, let cursor, let resume):
                for item in items {
                    accepted += try await Self.insert(item.request, [item.event], on: connection, logger: logger)
                }
                for id in seen {
                    try await connection.query(
                        """
                        INSERT INTO dedupe (pipeline, dedupe_id, event_id, accepted_at)
                        VALUES (\(pipeline), \(id), 0, \(t)) ON CONFLICT DO NOTHING
                        """, logger: logger)
                }
                let stored = Int64(accepted.filter { !$0.duplicate }.count)
                try await connection.query(
                    """
                    UPDATE polls SET cursor = \(cursor.jsonText), resume = \(resume?.jsonText), last_poll_at = \(t),
                        last_success_at = \(t),
                        last_error = NULL, failures = 0, next_poll_at = \(n), items_stored = items_stored + \(stored),
                        lease_owner = NULL, lease_until = NULL
                    WHERE pipeline = \(pipeline)
                    """, logger: logger)
            case .failed(let reason):
                try await connection.query(
                    """
                    UPDATE polls SET last_poll_at = \(t), last_error = \(reason), failures = failures + 1,
                        next_poll_at = \(n), lease_owner = NULL, lease_until = NULL
                    WHERE pipeline = \(pipeline)
                    """, logger: logger)
            }
            return .success(accepted)
        }
        return try result.get()
    }

    public func setPollCursor(pipeline: String, cursor: JSONValue?) async throws(BridgeStoreError) {
        let logger = logger
        try await transaction { connection in
            try await connection.query(
                "INSERT INTO polls (pipeline) VALUES (\(pipeline)) ON CONFLICT DO NOTHING", logger: logger)
            try await connection.query(
                """
                UPDATE polls SET cursor = \(cursor?.jsonText), resume = NULL, failures = 0, last_error = NULL,
                    next_poll_at = NULL
                WHERE pipeline = \(pipeline)
                """, logger: logger)
        }
    }

    public func pollStates() async throws(BridgeStoreError) -> [PollState] {
        try await rows("SELECT * FROM polls ORDER BY pipeline").map(Self.pollState)
    }

    static func pollState(_ row: PostgresRandomAccessRow) throws(BridgeStoreError) -> PollState {
        do {
            var state = PollState(pipeline: try row["pipeline"].decode(String.self))
            state.cursor = try row["cursor"].decode(String?.self).flatMap { try? JSONValue.parse($0) }
            let date = { (column: String) throws -> Date? in
                try row[column].decode(Double?.self).map(Date.init(timeIntervalSince1970:))
            }
            state.lastPollAt = try date("last_poll_at")
            state.lastSuccessAt = try date("last_success_at")
            state.lastError = try row["last_error"].decode(String?.self)
            state.failures = Int(try row["failures"].decode(Int64.self))
            state.nextPollAt = try date("next_poll_at")
            state.itemsStored = Int(try row["items_stored"].decode(Int64.self))
            state.resume = try row["resume"].decode(String?.self).flatMap { try? JSONValue.parse($0) }
            state.leaseOwner = try row["lease_owner"].decode(String?.self)
            state.leaseUntil = try date("lease_until")
            return state
        } catch {
            throw BridgeStoreError("the PostgreSQL store holds a poll state it cannot read: \(describe(error))")
        }
    }
}
