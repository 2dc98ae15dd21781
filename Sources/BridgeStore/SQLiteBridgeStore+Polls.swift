import BridgeCore
import Foundation
import GRDB

extension SQLiteBridgeStore {
    static let pollsTable = """
        CREATE TABLE polls (
            pipeline TEXT PRIMARY KEY, cursor TEXT, last_poll_at REAL, last_success_at REAL, last_error TEXT,
            failures INTEGER NOT NULL DEFAULT 0, next_poll_at REAL, items_stored INTEGER NOT NULL DEFAULT 0,
            resume TEXT, lease_owner TEXT, lease_until REAL)
        """

    public func claimPoll(pipeline: String, owner: String, now: Date, until: Date, onlyIfDue: Bool)
        async throws(BridgeStoreError) -> PollState?
    {
        try await write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO polls (pipeline) VALUES (?)", arguments: [pipeline])
            try db.execute(
                sql: """
                    UPDATE polls SET lease_owner = ?, lease_until = ?
                    WHERE pipeline = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)
                        AND (? = 0 OR next_poll_at IS NULL OR next_poll_at <= ?)
                    """,
                arguments: [
                    owner, until.timeIntervalSince1970, pipeline, owner, now.timeIntervalSince1970, onlyIfDue,
                    now.timeIntervalSince1970,
                ])
            guard db.changesCount == 1,
                let row = try Row.fetchOne(db, sql: "SELECT * FROM polls WHERE pipeline = ?", arguments: [pipeline])
            else { return nil }
            return Self.pollState(row)
        }
    }

    public func finishPoll(
        pipeline: String, owner: String, completion: PollCompletion, at: Date, next: Date
    ) async throws(BridgeStoreError) -> [AcceptedEvent] {
        let result: Result<[AcceptedEvent], BridgeStoreError> = try await write { db in
            guard
                try String.fetchOne(
                    db, sql: "SELECT lease_owner FROM polls WHERE pipeline = ?", arguments: [pipeline]) == owner
            else {
                return .failure(
                    BridgeStoreError("the poll lease of \(pipeline) was lost (another instance polls it now)"))
            }
            var accepted: [AcceptedEvent] = []
            switch completion {
            case .succeeded(let items, let seen, let cursor, let resume):
                for item in items { accepted += try Self.insert(item.request, [item.event], db) }
                for id in seen {
                    try db.execute(
                        sql: """
                            INSERT OR IGNORE INTO dedupe (pipeline, dedupe_id, event_id, accepted_at)
                            VALUES (?, ?, 0, ?)
                            """, arguments: [pipeline, id, at.timeIntervalSince1970])
                }
                try db.execute(
                    sql: """
                        UPDATE polls SET cursor = ?, resume = ?, last_poll_at = ?, last_success_at = ?,
                            last_error = NULL, failures = 0, next_poll_at = ?, items_stored = items_stored + ?,
                            lease_owner = NULL, lease_until = NULL
                        WHERE pipeline = ?
                        """,
                    arguments: [
                        cursor.jsonText, resume?.jsonText, at.timeIntervalSince1970, at.timeIntervalSince1970,
                        next.timeIntervalSince1970, accepted.filter { !$0.duplicate }.count, pipeline,
                    ])
            case .failed(let reason):
                try db.execute(
                    sql: """
                        UPDATE polls SET last_poll_at = ?, last_error = ?, failures = failures + 1, next_poll_at = ?,
                            lease_owner = NULL, lease_until = NULL
                        WHERE pipeline = ?
                        """,
                    arguments: [at.timeIntervalSince1970, reason, next.timeIntervalSince1970, pipeline])
            }
            return .success(accepted)
        }
        return try result.get()
    }

    public func setPollCursor(pipeline: String, cursor: JSONValue?) async throws(BridgeStoreError) {
        try await write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO polls (pipeline) VALUES (?)", arguments: [pipeline])
            try db.execute(
                sql: """
                    UPDATE polls SET cursor = ?, resume = NULL, failures = 0, last_error = NULL, next_poll_at = NULL
                    WHERE pipeline = ?
                    """, arguments: [cursor?.jsonText, pipeline])
        }
    }

    public func pollStates() async throws(BridgeStoreError) -> [PollState] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM polls ORDER BY pipeline").map(Self.pollState)
        }
    }

    private static func pollState(_ row: Row) -> PollState {
        var state = PollState(pipeline: row["pipeline"])
        state.cursor = (row["cursor"] as String?).flatMap { try? JSONValue.parse(Data($0.utf8)) }
        let date = { (column: String) in (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
        state.lastPollAt = date("last_poll_at")
        state.lastSuccessAt = date("last_success_at")
        state.lastError = row["last_error"]
        state.failures = row["failures"]
        state.nextPollAt = date("next_poll_at")
        state.itemsStored = row["items_stored"]
        state.resume = (row["resume"] as String?).flatMap { try? JSONValue.parse(Data($0.utf8)) }
        state.leaseOwner = row["lease_owner"]
        state.leaseUntil = date("lease_until")
        return state
    }
}
