import BridgeCore
import Foundation
import PostgresNIO

extension PostgresBridgeStore {
    public func claimPoll(pipeline: String, owner: String, now: Date, until: Date, onlyIfDue: Bool)
        async throws(BridgeStoreError) -> PollState?
    {
        let held = await leaseTime(now)  // poll leases, like event leases, go by the database's clock
        let lease = StoreRules.leasePoll(
            pipeline, owner: owner, held: held, until: held + until.timeIntervalSince(now),
            now: now.timeIntervalSince1970, onlyIfDue: onlyIfDue)
        let logger = logger
        let rows = try await transaction { connection in
            try await connection.query(StoreRules.ensurePoll(pipeline).postgres, logger: logger)
            return try await Self.rows(lease.postgres, on: connection, logger: logger)
        }
        return try rows.first.map(Self.pollState)
    }

    public func finishPoll(
        pipeline: String, owner: String, completion: PollCompletion, at: Date, next: Date
    ) async throws(BridgeStoreError) -> [AcceptedEvent] {
        let logger = logger
        let (t, n) = (at.timeIntervalSince1970, next.timeIntervalSince1970)
        let skew = await databaseSkew()
        let result: Result<[AcceptedEvent], BridgeStoreError> = try await transaction { connection in
            let held = try await Self.rows(StoreRules.pollOwner(pipeline).postgres, on: connection, logger: logger)
            guard try held.first?["lease_owner"].decode(String?.self) == owner else {
                return .failure(
                    BridgeStoreError("the poll lease of \(pipeline) was lost (another instance polls it now)"))
            }
            var accepted: [AcceptedEvent] = []
            switch completion {
            case .succeeded(let items, let seen, let cursor, let resume, let problem):
                for item in items {
                    accepted += try await Self.insert(
                        item.request, [item.event], skew: skew, on: connection, logger: logger)
                }
                for id in seen {
                    try await connection.query(StoreRules.seen(id, pipeline: pipeline, at: t).postgres, logger: logger)
                }
                let stored = accepted.filter { !$0.duplicate }.count
                let done = StoreRules.pollSucceeded(
                    pipeline, cursor: cursor, resume: resume, stored: stored, problem: problem, at: t, next: n)
                try await connection.query(done.postgres, logger: logger)
            case .failed(let reason):
                try await connection.query(
                    StoreRules.pollFailed(pipeline, reason: reason, at: t, next: n).postgres, logger: logger)
            }
            return .success(accepted)
        }
        return try result.get()
    }

    public func setPollCursor(pipeline: String, cursor: JSONValue?) async throws(BridgeStoreError) {
        try await run([StoreRules.ensurePoll(pipeline), StoreRules.setPollCursor(pipeline, cursor: cursor)])
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
