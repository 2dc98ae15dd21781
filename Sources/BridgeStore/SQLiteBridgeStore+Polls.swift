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
        let t = now.timeIntervalSince1970
        return try await write { db in
            try db.execute(StoreRules.ensurePoll(pipeline))
            let lease = StoreRules.leasePoll(
                pipeline, owner: owner, held: t, until: until.timeIntervalSince1970, now: t, onlyIfDue: onlyIfDue)
            return try db.rows(lease).first.map(Self.pollState)
        }
    }

    public func finishPoll(
        pipeline: String, owner: String, completion: PollCompletion, at: Date, next: Date
    ) async throws(BridgeStoreError) -> [AcceptedEvent] {
        let (t, n) = (at.timeIntervalSince1970, next.timeIntervalSince1970)
        let result: Result<[AcceptedEvent], BridgeStoreError> = try await write { db in
            guard try db.rows(StoreRules.pollOwner(pipeline)).first?["lease_owner"] == owner else {
                return .failure(
                    BridgeStoreError("the poll lease of \(pipeline) was lost (another instance polls it now)"))
            }
            var accepted: [AcceptedEvent] = []
            switch completion {
            case .succeeded(let items, let seen, let cursor, let resume, let problem):
                for item in items { accepted += try Self.insert(item.request, [item.event], db) }
                for id in seen { try db.execute(StoreRules.seen(id, pipeline: pipeline, at: t)) }
                let stored = accepted.filter { !$0.duplicate }.count
                try db.execute(
                    StoreRules.pollSucceeded(
                        pipeline, cursor: cursor, resume: resume, stored: stored, problem: problem, at: t, next: n))
            case .failed(let reason):
                try db.execute(StoreRules.pollFailed(pipeline, reason: reason, at: t, next: n))
            }
            return .success(accepted)
        }
        return try result.get()
    }

    public func setPollCursor(pipeline: String, cursor: JSONValue?) async throws(BridgeStoreError) {
        try await write { db in
            try db.execute(StoreRules.ensurePoll(pipeline))
            try db.execute(StoreRules.setPollCursor(pipeline, cursor: cursor))
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
