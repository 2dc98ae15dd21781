import BridgeCore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The shared store for several `serve` instances: PostgreSQL through PostgresNIO's connection pool.
///
/// Dedupe is a primary key (two instances accepting one sender id store it once), claiming is
/// `FOR UPDATE SKIP LOCKED` (no two workers get one event), and per-contact order is a condition of the claim
/// that reads committed rows, as in SQLite. Intake notifies `crisp_bridge_events` so idle workers of every
/// instance wake at once. Times are seconds since 1970 (`double precision`), as the SQLite store keeps them.
public final class PostgresBridgeStore: BridgeStore {
    /// The channel intake notifies when it stored new events.
    public static let channel = "crisp_bridge_events"

    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>
    /// Whether the last call ran out of time (PostgreSQL away): later calls wait less.
    private let outage = Mutex(false)
    /// The URL without its password, for messages.
    public let redactedURL: String
    /// The schema steps this opening applied (empty when the schema was up to date).
    public let appliedMigrations: [Int64]
    /// The time for what the store stamps itself (`updated_at`, the quota's age shift).
    let clock: any BridgeClock
    /// The database's clock minus this instance's, and when that was measured (`databaseSkew`).
    let skew = Mutex<(seconds: Double, at: ContinuousClock.Instant)?>(nil)

    /// Connects to `url` (`postgres://user:password@host:port/database`, `?sslmode=disable|prefer|require`)
    /// with a pool of at most `poolSize` connections, and brings the schema up to date (several instances
    /// starting at once take turns through an advisory lock).
    public init(
        url: String, poolSize: Int = 10, logger: Logger, clock: any BridgeClock = SystemClock()
    ) async throws(BridgeStoreError) {
        let configuration = try StoreURL.postgresConfiguration(url, poolSize: poolSize)
        self.clock = clock
        redactedURL = StoreURL.redacted(url)
        self.logger = logger
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
        // Let the pool start before the first query (a query before it only waits, but logs a warning).
        try? await Task.sleep(for: .milliseconds(20))
        do {
            appliedMigrations = try await PostgresMigrations.migrate(client, logger: logger)
        } catch {
            runner.cancel()
            throw BridgeStoreError("cannot open the PostgreSQL store at \(redactedURL): \(Self.describe(error))")
        }
    }

    deinit { runner.cancel() }

    /// Closes the pool.
    public func shutdown() {
        runner.cancel()
    }

    /// A PostgresNIO error as one line, without the query's bound values.
    static func describe(_ error: any Error) -> String {
        if let error = error as? BridgeStoreError { return error.message }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return "PostgreSQL: \(message)" }
            return "PostgreSQL: \(error.code.description)"
        }
        return "\(error)"
    }

    // MARK: Running queries

    /// How long one store call may wait (for a connection, the server, the query): past it, the call fails —
    /// intake answers 503 instead of holding the sender while PostgreSQL is away.
    static let deadline = Duration.seconds(8)
    /// The deadline while the last call ran out of time: during an outage intake answers 503 within a second,
    /// and the first call that succeeds ends it.
    static let outageDeadline = Duration.seconds(1)

    /// Runs `body`, failing when it takes longer than the deadline (the short one during an outage).
    func withinDeadline<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let limit = outage.withLock { $0 } ? Self.outageDeadline : Self.deadline
        let answer = try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        outage.withLock { $0 = answer == nil }
        guard let answer else { throw BridgeStoreError("PostgreSQL did not answer within \(limit)") }
        return answer
    }

    func rows(_ query: PostgresQuery) async throws(BridgeStoreError) -> [PostgresRandomAccessRow] {
        let (client, logger) = (client, logger)
        do {
            return try await withinDeadline {
                try await client.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
            }
        } catch {
            throw BridgeStoreError("the PostgreSQL store failed: \(Self.describe(error))")
        }
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws(BridgeStoreError) -> T
    {
        let (client, logger) = (client, logger)
        do {
            return try await withinDeadline {
                try await client.withTransaction(logger: logger) { connection in try await body(connection) }
            }
        } catch {
            throw BridgeStoreError("the PostgreSQL store failed: \(Self.describe(error))")
        }
    }

    static func rows(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws
        -> [PostgresRandomAccessRow]
    {
        try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    // MARK: BridgeStore

    public func accept(_ request: IncomingRequest, events: [IncomingEvent]) async throws(BridgeStoreError)
        -> [AcceptedEvent]
    {
        let logger = logger
        return try await transaction { connection in
            try await Self.insert(request, events, on: connection, logger: logger)
        }
    }

    /// Stores a request and its new events on `connection` (inside the caller's transaction), as `accept` does.
    static func insert(
        _ request: IncomingRequest, _ events: [IncomingEvent], on connection: PostgresConnection, logger: Logger
    ) async throws -> [AcceptedEvent] {
        let now = request.webhook.receivedAt.timeIntervalSince1970
        let headers = JSONValue.object(request.webhook.headers.mapValues { .string($0) }).jsonText
        var results: [AcceptedEvent] = []
        var requestID: Int64?
        for event in events {
            // The primary key decides: a concurrent accept of the same id waits for the other to commit,
            // then finds the row and reports a duplicate.
            let claimed = try await Self.rows(
                """
                INSERT INTO dedupe (pipeline, dedupe_id, event_id, accepted_at)
                VALUES (\(request.pipeline), \(event.dedupeID), 0, \(now))
                ON CONFLICT DO NOTHING RETURNING dedupe_id
                """, on: connection, logger: logger)
            if claimed.isEmpty {
                let existing = try await Self.rows(
                    """
                    SELECT event_id FROM dedupe WHERE pipeline = \(request.pipeline)
                    AND dedupe_id = \(event.dedupeID)
                    """, on: connection, logger: logger)
                let id = try existing.first?["event_id"].decode(Int64.self) ?? 0
                results.append(AcceptedEvent(eventID: id, dedupeID: event.dedupeID, duplicate: true))
                continue
            }
            if requestID == nil {
                let inserted = try await Self.rows(
                    """
                    INSERT INTO requests (pipeline, method, path, query, headers, body, received_at)
                    VALUES (\(request.pipeline), \(request.webhook.method), \(request.webhook.path),
                        \(request.webhook.query), \(headers), \(request.webhook.body), \(now))
                    RETURNING id
                    """, on: connection, logger: logger)
                requestID = try inserted.first?["id"].decode(Int64.self)
            }
            let inserted = try await Self.rows(
                """
                INSERT INTO events (request_id, pipeline, event_index, dedupe_id, status, next_attempt_at,
                    order_key, contact, created_at, updated_at)
                VALUES (\(requestID), \(request.pipeline), \(Int64(event.index)), \(event.dedupeID), 'pending',
                    \(now), \(event.orderKey), \(event.contact), \(now), \(now))
                RETURNING id
                """, on: connection, logger: logger)
            let eventID = try inserted.first?["id"].decode(Int64.self) ?? 0
            try await connection.query(
                """
                UPDATE dedupe SET event_id = \(eventID)
                WHERE pipeline = \(request.pipeline) AND dedupe_id = \(event.dedupeID)
                """, logger: logger)
            results.append(AcceptedEvent(eventID: eventID, dedupeID: event.dedupeID, duplicate: false))
        }
        if results.contains(where: { !$0.duplicate }) {
            try await connection.query("SELECT pg_notify(\(Self.channel), '')", logger: logger)
        }
        return results
    }

    public func claimDue(now: Date, limit: Int, lease: TimeInterval) async throws(BridgeStoreError) -> [StoredEvent] {
        let t = now.timeIntervalSince1970
        let held = await leaseTime(now)  // leases go by the database's clock
        let rows = try await rows(
            """
            UPDATE events SET lease_until = \(held + lease)
            WHERE id IN (
                SELECT id FROM events
                WHERE status = 'pending' AND next_attempt_at <= \(t)
                    AND (lease_until IS NULL OR lease_until < \(held))
                    AND (waiting_for IS NULL OR NOT EXISTS (
                        SELECT 1 FROM events AS earlier WHERE earlier.id = events.waiting_for
                            AND earlier.status = 'pending'))
                    AND (order_key IS NULL OR NOT EXISTS (
                        SELECT 1 FROM events AS earlier WHERE earlier.order_key = events.order_key
                            AND earlier.status = 'pending' AND earlier.id < events.id))
                ORDER BY next_attempt_at, id LIMIT \(Int64(limit))
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """)
        return try rows.map(Self.event).sorted { $0.id < $1.id }
    }

    public func renewLease(eventID: Int64, held: Date, until: Date) async throws(BridgeStoreError) -> Date? {
        let until = await leaseTime(until)  // in the server's time: what the next renewal names as held
        let rows = try await rows(
            """
            UPDATE events SET lease_until = \(until)
            WHERE id = \(eventID) AND lease_until = \(held.timeIntervalSince1970) AND status = 'pending'
            RETURNING id
            """)
        return rows.count == 1 ? Date(timeIntervalSince1970: until) : nil
    }

    public func request(_ id: Int64) async throws(BridgeStoreError) -> StoredRequest? {
        guard let row = try await rows("SELECT * FROM requests WHERE id = \(id)").first else { return nil }
        return try Self.storedRequest(row)
    }

    public func saveProgress(
        eventID: Int64, progress: Int, contact: String?, inflightSince: Date?, written: [ContactWrites],
        plannedBy: String?
    ) async throws(BridgeStoreError) {
        let save = ProgressSave(progress: progress, inflightSince: inflightSince, contact: contact, written: written)
        guard written.contains(where: { !$0.digests.isEmpty }) else {
            _ = try await rows(Self.progressUpdate(save, of: eventID, plannedBy: plannedBy, at: clock.now()))
            return
        }
        let logger = logger
        let now = clock.now()
        try await transaction { connection in
            try await Self.record(save, of: eventID, plannedBy: plannedBy, at: now, on: connection, logger: logger)
        }
    }

    /// The statement that records an event's progress.
    static func progressUpdate(
        _ save: ProgressSave, of eventID: Int64, plannedBy: String?, at now: Date
    ) -> PostgresQuery {
        """
        UPDATE events SET progress = \(Int64(save.progress)), contact = COALESCE(\(save.contact), contact),
            inflight_since = \(save.inflightSince?.timeIntervalSince1970), updated_at = \(now.timeIntervalSince1970),
            planned_by = COALESCE(\(plannedBy), planned_by)
        WHERE id = \(eventID)
        """
    }

    /// Records how far an event's plan got and what its operations wrote (`saveProgress`, and `finish` with a
    /// progress): one statement set for both.
    static func record(
        _ save: ProgressSave, of eventID: Int64, plannedBy: String?, at now: Date, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(progressUpdate(save, of: eventID, plannedBy: plannedBy, at: now), logger: logger)
        for written in save.written {
            let kept = written.digests.compactMapValues { $0 }
            let forgotten = written.digests.filter { $0.value == nil }.map(\.key)
            if !kept.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO contact_fields (contact, field, digest)
                    SELECT \(written.contact), field, digest FROM UNNEST(\(Array(kept.keys)), \(Array(kept.values))) AS f(field, digest)
                    ON CONFLICT (contact, field) DO UPDATE SET digest = excluded.digest
                    """, logger: logger)
            }
            if !forgotten.isEmpty {
                try await connection.query(
                    "DELETE FROM contact_fields WHERE contact = \(written.contact) AND field = ANY(\(forgotten))",
                    logger: logger)
            }
        }
    }

    public func writtenFields(contact: String) async throws(BridgeStoreError) -> WrittenFields {
        let rows = try await rows("SELECT field, digest FROM contact_fields WHERE contact = \(contact.lowercased())")
        do {
            return WrittenFields(
                Dictionary(
                    try rows.map { (try $0["field"].decode(String.self), try $0["digest"].decode(String.self)) }
                ) { first, _ in first })
        } catch {
            throw BridgeStoreError("the PostgreSQL store failed: \(Self.describe(error))")
        }
    }

    public func addCrispRequests(_ counts: [CrispRequestCount]) async throws(BridgeStoreError) {
        guard !counts.isEmpty else { return }
        _ = try await rows(
            """
            INSERT INTO crisp_requests (day, route, outcome, count)
            SELECT * FROM UNNEST(\(counts.map(\.day)), \(counts.map(\.route)), \(counts.map(\.outcome)),
                \(counts.map { Int64($0.count) }))
            ON CONFLICT (day, route, outcome) DO UPDATE SET count = crisp_requests.count + excluded.count
            """)
    }

    public func crispRequests(day: String) async throws(BridgeStoreError) -> [CrispRequestCount] {
        let rows = try await rows(
            "SELECT route, outcome, count FROM crisp_requests WHERE day = \(day) ORDER BY route, outcome")
        do {
            return try rows.map {
                CrispRequestCount(
                    day: day, route: try $0["route"].decode(String.self),
                    outcome: try $0["outcome"].decode(String.self),
                    count: Int(try $0["count"].decode(Int64.self)))
            }
        } catch {
            throw BridgeStoreError("the PostgreSQL store failed: \(Self.describe(error))")
        }
    }

    public func setCrispQuotaExhausted(since: Date?) async throws(BridgeStoreError) {
        if let since {
            _ = try await rows(
                """
                INSERT INTO bridge_settings (name, value) VALUES ('crisp_quota_exhausted_since', \(String(since.timeIntervalSince1970)))
                ON CONFLICT (name) DO NOTHING
                """)
        } else {
            let now = clock.now().timeIntervalSince1970
            let logger = logger
            try await transaction { connection in
                let cleared = try await Self.rows(
                    "DELETE FROM bridge_settings WHERE name = 'crisp_quota_exhausted_since' RETURNING value",
                    on: connection, logger: logger)
                guard let text = try cleared.first?["value"].decode(String.self), let since = Double(text) else {
                    return
                }
                try await connection.query(
                    """
                    UPDATE events SET age_from = COALESCE(age_from, created_at) + \(max(0, now - since))
                    WHERE status = 'pending'
                    """, logger: logger)
            }
        }
    }

    public func claimFollowers(of leader: StoredEvent, limit: Int, lease: TimeInterval, now: Date)
        async throws(BridgeStoreError) -> [StoredEvent]
    {
        guard let key = leader.orderKey, limit > 0 else { return [] }
        let t = await leaseTime(now)  // leases go by the database's clock
        let leaseNow = Date(timeIntervalSince1970: t)
        let logger = logger
        return try await transaction { connection in
            let waiting = try await Self.rows(
                """
                SELECT * FROM events WHERE order_key = \(key) AND status = 'pending' AND id > \(leader.id)
                ORDER BY id LIMIT \(Int64(limit)) FOR UPDATE
                """, on: connection, logger: logger
            ).map(Self.event)
            let run = waiting.prefix { $0.mayFollow(now: leaseNow) }.map { $0.leased(until: leaseNow + lease) }
            guard !run.isEmpty else { return [] }
            try await connection.query(
                "UPDATE events SET lease_until = \(t + lease) WHERE id = ANY(\(run.map(\.id)))", logger: logger)
            return run
        }
    }

    public func release(eventIDs: [Int64]) async throws(BridgeStoreError) {
        guard !eventIDs.isEmpty else { return }
        _ = try await rows("UPDATE events SET lease_until = NULL WHERE id = ANY(\(eventIDs))")
    }

    public func crispQuotaExhaustedSince() async throws(BridgeStoreError) -> Date? {
        let rows = try await rows("SELECT value FROM bridge_settings WHERE name = 'crisp_quota_exhausted_since'")
        let text = try? rows.first?["value"].decode(String.self)
        return text.flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
    }

    public func finish(
        eventID: Int64, outcome: DeliveryOutcome, at: Date, startedAt: Date?, plannedBy: String?,
        progress: ProgressSave?
    ) async throws(BridgeStoreError) {
        let t = at.timeIntervalSince1970
        let logger = logger
        let unattempted: PostgresQuery?
        switch outcome {
        case .waiting(let earlier, let until):
            unattempted = """
                UPDATE events SET next_attempt_at = \(until.timeIntervalSince1970), waiting_for = \(earlier),
                    lease_until = NULL, updated_at = \(t)
                WHERE id = \(eventID)
                """
        case .paused(let until, let reason):
            unattempted = """
                UPDATE events SET next_attempt_at = \(until.timeIntervalSince1970), waiting_for = NULL,
                    lease_until = NULL, last_error = \(reason), updated_at = \(t)
                WHERE id = \(eventID)
                """
        default:
            unattempted = nil
        }
        if let unattempted {
            guard let progress else {
                _ = try await rows(unattempted)
                return
            }
            try await transaction { connection in
                try await Self.record(
                    progress, of: eventID, plannedBy: plannedBy, at: at, on: connection, logger: logger)
                try await connection.query(unattempted, logger: logger)
            }
            return
        }
        let record = AttemptRecord.of(outcome, eventID: eventID, at: at, startedAt: startedAt)
        let status = record.eventStatus
        let due: Double? = if case .retry(let when, _, _) = outcome { when.timeIntervalSince1970 } else { nil }
        let lastError: String? = status == .done ? nil : record.reason
        let durationMS = record.duration.map { $0 * 1000 }
        try await transaction { connection in
            if let progress {
                try await Self.record(
                    progress, of: eventID, plannedBy: plannedBy, at: at, on: connection, logger: logger)
            }
            try await connection.query(
                """
                UPDATE events SET status = \(status.rawValue), next_attempt_at = \(due), lease_until = NULL,
                    waiting_for = NULL, attempts = attempts + 1, last_error = \(lastError), updated_at = \(t),
                    planned_by = COALESCE(\(plannedBy), planned_by)
                WHERE id = \(eventID)
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO attempts (event_id, at, outcome, http_status, reason, duration_ms, planned_by)
                VALUES (\(eventID), \(t), \(record.outcome), \(record.httpStatus.map(Int64.init)), \(record.reason),
                    \(durationMS), \(plannedBy))
                """, logger: logger)
        }
    }

    public func earlierPendingEvent(contact: String, before eventID: Int64) async throws(BridgeStoreError) -> Int64? {
        let rows = try await rows(
            "SELECT MAX(id) AS id FROM events WHERE contact = \(contact) AND status = 'pending' AND id < \(eventID)")
        do {
            return try rows.first?["id"].decode(Int64?.self)
        } catch {
            throw BridgeStoreError("the PostgreSQL store failed: \(Self.describe(error))")
        }
    }

    public func events(status: EventStatus?, since: Date?, limit: Int) async throws(BridgeStoreError) -> [StoredEvent] {
        let rows = try await rows(
            """
            SELECT * FROM events
            WHERE (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                AND (\(since?.timeIntervalSince1970)::double precision IS NULL
                    OR created_at >= \(since?.timeIntervalSince1970))
            ORDER BY id DESC LIMIT \(Int64(limit))
            """)
        return try rows.map(Self.event)
    }

    public func event(_ id: Int64) async throws(BridgeStoreError) -> StoredEvent? {
        try await rows("SELECT * FROM events WHERE id = \(id)").first.map(Self.event)
    }

    public func events(dedupeID: String) async throws(BridgeStoreError) -> [StoredEvent] {
        try await rows("SELECT * FROM events WHERE dedupe_id = \(dedupeID) ORDER BY id").map(Self.event)
    }

    public func attempts(eventID: Int64) async throws(BridgeStoreError) -> [AttemptRecord] {
        let rows = try await rows("SELECT * FROM attempts WHERE event_id = \(eventID) ORDER BY id")
        do {
            return try rows.map {
                AttemptRecord(
                    eventID: try $0["event_id"].decode(Int64.self),
                    at: Date(timeIntervalSince1970: try $0["at"].decode(Double.self)),
                    outcome: try $0["outcome"].decode(String.self),
                    httpStatus: try $0["http_status"].decode(Int64?.self).map(Int.init),
                    reason: try $0["reason"].decode(String.self),
                    duration: try $0["duration_ms"].decode(Double?.self).map { $0 / 1000 })
            }
        } catch {
            throw BridgeStoreError("the PostgreSQL store failed: \(Self.describe(error))")
        }
    }

    public func replay(ids: [Int64], now: Date, force: Bool, fromStart: Bool) async throws(BridgeStoreError) -> Int {
        let t = now.timeIntervalSince1970
        return try await replay(
            """
            UPDATE events SET status = 'pending', next_attempt_at = \(t), lease_until = NULL,
                progress = CASE WHEN status = 'done' OR \(fromStart) THEN 0 ELSE progress END,
                inflight_since = CASE WHEN status = 'done' OR \(fromStart) THEN NULL ELSE inflight_since END,
                waiting_for = NULL, age_from = \(t), updated_at = \(t), force_write = \(force)
            WHERE status IN ('dead', 'done') AND id = ANY(\(ids)) RETURNING id
            """, now: now, fromStart: fromStart)
    }

    public func replayDead(since: Date, now: Date, fromStart: Bool) async throws(BridgeStoreError) -> Int {
        let t = now.timeIntervalSince1970
        return try await replay(
            """
            UPDATE events SET status = 'pending', next_attempt_at = \(t), lease_until = NULL,
                progress = CASE WHEN \(fromStart) THEN 0 ELSE progress END,
                inflight_since = CASE WHEN \(fromStart) THEN NULL ELSE inflight_since END,
                waiting_for = NULL, age_from = \(t), updated_at = \(t), force_write = FALSE
            WHERE status = 'dead' AND created_at >= \(since.timeIntervalSince1970) RETURNING id
            """, now: now, fromStart: fromStart)
    }

    /// Runs a re-queueing `update` (it returns the ids) and gives each event its `replayed` record.
    private func replay(_ update: PostgresQuery, now: Date, fromStart: Bool) async throws(BridgeStoreError) -> Int {
        let t = now.timeIntervalSince1970
        let logger = logger
        let reason = Self.replayReason(fromStart: fromStart)
        return try await transaction { connection in
            let ids = try await Self.rows(update, on: connection, logger: logger).map {
                try $0["id"].decode(Int64.self)
            }
            for id in ids {
                try await connection.query(
                    """
                    INSERT INTO attempts (event_id, at, outcome, http_status, reason)
                    VALUES (\(id), \(t), 'replayed', NULL, \(reason))
                    """, logger: logger)
            }
            if !ids.isEmpty { try await connection.query("SELECT pg_notify(\(Self.channel), '')", logger: logger) }
            return ids.count
        }
    }

    public func purgeDedupe(before: Date) async throws(BridgeStoreError) -> Int {
        let rows = try await rows(
            """
            WITH purged AS (DELETE FROM dedupe WHERE accepted_at < \(before.timeIntervalSince1970) RETURNING 1)
            SELECT COUNT(*) AS n FROM purged
            """)
        return Int((try? rows.first?["n"].decode(Int64.self)) ?? 0)
    }

    public func counts(ids: ClosedRange<Int64>, dedupePrefix prefix: String) async throws(BridgeStoreError)
        -> [EventStatus: Int]
    {
        let rows = try await rows(
            """
            SELECT status, COUNT(*) AS n FROM events
            WHERE id BETWEEN \(ids.lowerBound) AND \(ids.upperBound) AND starts_with(dedupe_id, \(prefix))
            GROUP BY status
            """)
        var byStatus: [EventStatus: Int] = [:]
        for row in rows {
            guard let status = EventStatus(rawValue: (try? row["status"].decode(String.self)) ?? "") else { continue }
            byStatus[status] = Int((try? row["n"].decode(Int64.self)) ?? 0)
        }
        return byStatus
    }

    public func events(ids: ClosedRange<Int64>, dedupePrefix prefix: String, status: EventStatus)
        async throws(BridgeStoreError) -> [StoredEvent]
    {
        try await rows(
            """
            SELECT * FROM events
            WHERE id BETWEEN \(ids.lowerBound) AND \(ids.upperBound) AND starts_with(dedupe_id, \(prefix))
                AND status = \(status.rawValue) ORDER BY id
            """
        ).map(Self.event)
    }

    public func counts(now: Date) async throws(BridgeStoreError) -> (byStatus: [EventStatus: Int], due: Int) {
        let t = now.timeIntervalSince1970
        let rows = try await rows(
            """
            SELECT status, COUNT(*) AS n,
                COUNT(*) FILTER (WHERE status = 'pending' AND next_attempt_at <= \(t)) AS due
            FROM events GROUP BY status
            """)
        var byStatus: [EventStatus: Int] = [:]
        var due = 0
        for row in rows {
            guard let status = EventStatus(rawValue: (try? row["status"].decode(String.self)) ?? "") else { continue }
            byStatus[status] = Int((try? row["n"].decode(Int64.self)) ?? 0)
            due += Int((try? row["due"].decode(Int64.self)) ?? 0)
        }
        return (byStatus, due)
    }

    public func ping() async throws(BridgeStoreError) {
        _ = try await rows("SELECT 1")
    }

    /// Listens on `crisp_bridge_events` (on a connection of its own) and calls `onNew` for each notification,
    /// and once after each (re)connection, since something may have been stored meanwhile; reconnects after a
    /// second when the connection is lost.
    public func watchNewEvents(_ onNew: @escaping @Sendable () -> Void) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        onNew()
                        for try await _ in notifications { onNew() }
                    }
                }
            } catch {
                if !Task.isCancelled {
                    logger.debug("the PostgreSQL notification listener stopped: \(Self.describe(error))")
                }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    public func saveHandshakeSecret(pipeline: String, secret: String, at: Date) async throws(BridgeStoreError) {
        let logger = logger
        let kept = Int64(SQLiteBridgeStore.handshakeSecretsKept)
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO handshake_secrets (pipeline, secret, received_at)
                VALUES (\(pipeline), \(secret), \(at.timeIntervalSince1970))
                ON CONFLICT (pipeline, secret) DO UPDATE SET received_at = excluded.received_at
                """, logger: logger)
            try await connection.query(
                """
                DELETE FROM handshake_secrets WHERE pipeline = \(pipeline) AND NOT trusted AND secret NOT IN (
                    SELECT secret FROM handshake_secrets WHERE pipeline = \(pipeline) AND NOT trusted
                    ORDER BY received_at DESC LIMIT \(kept))
                """, logger: logger)
        }
    }

    public func trustHandshakeSecret(pipeline: String, secret: String) async throws(BridgeStoreError) -> Bool {
        let logger = logger
        return try await transaction { connection in
            let found = try await Self.rows(
                "SELECT 1 FROM handshake_secrets WHERE pipeline = \(pipeline) AND secret = \(secret)",
                on: connection, logger: logger)
            guard !found.isEmpty else { return false }
            try await connection.query(
                "UPDATE handshake_secrets SET trusted = (secret = \(secret)) WHERE pipeline = \(pipeline)",
                logger: logger)
            return true
        }
    }

    public func handshakeSecrets(pipeline: String) async throws(BridgeStoreError) -> [HandshakeSecret] {
        let rows = try await rows(
            "SELECT * FROM handshake_secrets WHERE pipeline = \(pipeline) ORDER BY received_at DESC")
        do {
            return try rows.map {
                HandshakeSecret(
                    secret: try $0["secret"].decode(String.self),
                    receivedAt: Date(timeIntervalSince1970: try $0["received_at"].decode(Double.self)),
                    trusted: try $0["trusted"].decode(Bool.self))
            }
        } catch {
            throw BridgeStoreError("the PostgreSQL store failed: \(Self.describe(error))")
        }
    }

    static func event(_ row: PostgresRandomAccessRow) throws(BridgeStoreError) -> StoredEvent {
        do {
            let created = try row["created_at"].decode(Double.self)
            return StoredEvent(
                id: try row["id"].decode(Int64.self), requestID: try row["request_id"].decode(Int64.self),
                pipeline: try row["pipeline"].decode(String.self),
                index: Int(try row["event_index"].decode(Int64.self)),
                dedupeID: try row["dedupe_id"].decode(String.self),
                status: EventStatus(rawValue: try row["status"].decode(String.self)) ?? .pending,
                attempts: Int(try row["attempts"].decode(Int64.self)),
                nextAttemptAt: try row["next_attempt_at"].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
                progress: Int(try row["progress"].decode(Int64.self)), contact: try row["contact"].decode(String?.self),
                inflightSince: try row["inflight_since"].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
                lastError: try row["last_error"].decode(String?.self),
                orderKey: try row["order_key"].decode(String?.self),
                leaseUntil: try row["lease_until"].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
                waitingFor: try row["waiting_for"].decode(Int64?.self),
                ageFrom: Date(timeIntervalSince1970: try row["age_from"].decode(Double?.self) ?? created),
                createdAt: Date(timeIntervalSince1970: created),
                updatedAt: Date(timeIntervalSince1970: try row["updated_at"].decode(Double.self)),
                forceWrite: try row["force_write"].decode(Bool?.self) ?? false,
                plannedBy: try row["planned_by"].decode(String?.self))
        } catch {
            throw BridgeStoreError("the PostgreSQL store holds an event it cannot read: \(describe(error))")
        }
    }
}
