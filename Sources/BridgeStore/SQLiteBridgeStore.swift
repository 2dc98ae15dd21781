import BridgeCore
import Foundation
import GRDB
import Synchronization

/// The embedded default store: SQLite in WAL mode through GRDB, with group commit so concurrent intakes share
/// fsyncs.
///
/// Two kinds of commit. What must survive a power loss is committed with `synchronous=FULL` (fsynced before
/// the call returns): an accepted request, an operation marked in flight before a request that is not
/// idempotent, replays, settings. The delivery bookkeeping (claims, leases, progress after a write, how an
/// attempt ended) is committed with `synchronous=NORMAL`: in WAL mode it survives the process being killed at
/// once (the write is in the operating system's hands), and it reaches the disk with the next fsynced commit
/// or checkpoint. A power loss can undo the last of it; then an event is delivered again, its writes being
/// idempotent, and an operation that is not (a Crisp event, an `http` call) finds its durable in-flight mark
/// and is checked, never repeated blindly. This is what lets one SQLite file keep up with thousands of
/// deliveries a second, where an fsync per step capped it at a few hundred.
public final class SQLiteBridgeStore: BridgeStore, Requeueing {
    private let pool: DatabasePool
    private let committer: GroupCommitter<(IncomingRequest, [IncomingEvent]), [AcceptedEvent]>
    /// Finishes of concurrent attempts, committed together (one transaction for all that arrive meanwhile).
    private let finishes: GroupCommitter<[StoreStatement], Void>
    /// Whether the file at the path is still the database open here.
    private let watch: StoreFileWatch
    /// The database file's path.
    public let path: String
    /// The lock file's descriptor once this process owns the store (`takeOwnership`).
    let ownership = Mutex<Int32?>(nil)
    /// The time for what the store stamps itself (`updated_at`, the quota's age shift).
    let clock: any BridgeClock

    /// Opens the database at `path` and brings its schema up to date; creates it (and its folder) when
    /// `create` is true, and otherwise refuses a path where no store exists (commands that only look).
    public init(path: String, create: Bool = true, clock: any BridgeClock = SystemClock()) throws(BridgeStoreError) {
        guard create || FileManager.default.fileExists(atPath: path) else {
            throw BridgeStoreError(
                "no store at \(path): serve creates it there on its first start; give the --store that serve uses")
        }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA busy_timeout = 10000")
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        self.path = path
        self.clock = clock
        let folder = (path as NSString).deletingLastPathComponent
        do {
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            if create, !FileManager.default.fileExists(atPath: path) {
                // Only a new file takes it, before WAL mode writes its first page: pages freed by pruning go
                // back to the disk.
                // A random application id tells this store's file from a copy of another written over it.
                let id = Int32.random(in: 1...Int32.max)
                try DatabaseQueue(path: path).inDatabase { db in
                    try db.execute(
                        sql:
                            "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA application_id = \(id); PRAGMA journal_mode = WAL"
                    )
                }
            }
            let pool = try DatabasePool(path: path, configuration: configuration)
            if create { try Self.checkIntegrity(pool, path: path) }
            try Self.migrator.migrate(pool)
            self.pool = pool
        } catch let error as BridgeStoreError {
            throw error
        } catch let error as DatabaseError where [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode) {
            throw BridgeStoreError(
                "the store file \(path) is damaged (\(error.message ?? "\(error)")): \(StoreFileWatch.recovery(path))")
        } catch {
            throw BridgeStoreError("cannot open the SQLite store at \(path): \(error)")
        }
        let pool = self.pool
        let watch = StoreFileWatch(path: path, header: try? pool.read { db in StoreFileWatch.stableHeader(db) })
        self.watch = watch
        self.committer = GroupCommitter { batch in
            if let problem = watch.problem { throw BridgeStoreError(problem) }
            StoreTransactions.count("sqlite", "write")
            let (accepted, header) = try await pool.writeWithoutTransaction { db in
                var accepted: [[AcceptedEvent]] = []
                try db.inTransaction(.immediate) {
                    accepted = try batch.map { try Self.insert($0.0, $0.1, db) }
                    return .commit
                }
                return (accepted, StoreFileWatch.stableHeader(db))
            }
            // Acknowledge nothing written to a file that is no longer the store (replaced, deleted, overwritten
            // while this batch was written): the senders send it again, to a store that keeps it.
            if let problem = watch.problem(looking: true, readHeader: true, header: header) {
                throw BridgeStoreError(problem)
            }
            return accepted
        }
        self.finishes = GroupCommitter { batch in
            if let problem = watch.problem { throw BridgeStoreError(problem) }
            StoreTransactions.count("sqlite", "write")
            try await Self.writeWithoutSync(pool) { db in
                for statements in batch { for statement in statements { try db.execute(statement) } }
            }
            return batch.map { _ in () }
        }
    }

    /// SQLite's `quick_check` (every page's structure, not the indexes' contents: a second or so per
    /// gigabyte) and the main file's own header (SQLite reads a page from the WAL when it is there, so a file
    /// overwritten at its start can still open), so a damaged file is refused at start with what to do, not
    /// found by the first write or the next checkpoint.
    static func checkIntegrity(_ pool: DatabasePool, path: String) throws {
        var problems = try pool.read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA quick_check(5)").filter { $0 != "ok" }
            if let header = StoreFileWatch.stableHeader(db), !header.starts(with: Array("SQLite format 3\0".utf8)) {
                problems.append("the file does not start with SQLite's header")
            }
            return problems
        }
        problems = problems.map { $0.replacingOccurrences(of: "\n", with: " ") }
        guard !problems.isEmpty else { return }
        throw BridgeStoreError(
            "the store file \(path) is damaged (quick_check: \(problems.joined(separator: "; "))): \(StoreFileWatch.recovery(path))"
        )
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE requests (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, pipeline TEXT NOT NULL, method TEXT NOT NULL,
                        path TEXT NOT NULL, query TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,
                        received_at REAL NOT NULL);
                    CREATE TABLE events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, request_id INTEGER NOT NULL REFERENCES requests(id),
                        pipeline TEXT NOT NULL, event_index INTEGER NOT NULL, dedupe_id TEXT NOT NULL,
                        status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL,
                        lease_until REAL, progress INTEGER NOT NULL DEFAULT 0, inflight_since REAL, contact TEXT, last_error TEXT,
                        created_at REAL NOT NULL, updated_at REAL NOT NULL);
                    CREATE INDEX events_due ON events(status, next_attempt_at);
                    CREATE INDEX events_contact ON events(contact, status);
                    CREATE TABLE dedupe (
                        pipeline TEXT NOT NULL, dedupe_id TEXT NOT NULL, event_id INTEGER NOT NULL,
                        accepted_at REAL NOT NULL, PRIMARY KEY (pipeline, dedupe_id));
                    CREATE TABLE attempts (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, event_id INTEGER NOT NULL, at REAL NOT NULL,
                        outcome TEXT NOT NULL, http_status INTEGER, reason TEXT NOT NULL);
                    CREATE INDEX attempts_event ON attempts(event_id);
                    """)
        }
        migrator.registerMigration("v2-handshake-secrets") { db in
            try db.execute(
                sql: """
                    CREATE TABLE handshake_secrets (
                        pipeline TEXT NOT NULL, secret TEXT NOT NULL, received_at REAL NOT NULL,
                        PRIMARY KEY (pipeline, secret));
                    """)
        }
        migrator.registerMigration("v3-delivery-states") { db in
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN waiting_for INTEGER;
                    ALTER TABLE events ADD COLUMN age_from REAL;
                    """)
        }
        migrator.registerMigration("v5-order-keys") { db in
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN order_key TEXT;
                    CREATE INDEX events_order ON events(order_key, status, id);
                    """)
        }
        migrator.registerMigration("v4-trusted-handshake-secrets") { db in
            try db.execute(
                sql: """
                    ALTER TABLE handshake_secrets ADD COLUMN trusted INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX events_waiting ON events(waiting_for);
                    """)
        }
        migrator.registerMigration("v6-attempt-durations") { db in
            try db.execute(
                sql: """
                    ALTER TABLE attempts ADD COLUMN duration_ms REAL;
                    CREATE INDEX events_dedupe ON events(dedupe_id);
                    """)
        }
        migrator.registerMigration("v7-crisp-quota") { db in
            try db.execute(
                sql: """
                    CREATE TABLE contact_fields (
                        contact TEXT NOT NULL, field TEXT NOT NULL, digest TEXT NOT NULL,
                        PRIMARY KEY (contact, field));
                    CREATE TABLE crisp_requests (
                        day TEXT NOT NULL, route TEXT NOT NULL, outcome TEXT NOT NULL, count INTEGER NOT NULL,
                        PRIMARY KEY (day, route, outcome));
                    CREATE TABLE bridge_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                    ALTER TABLE events ADD COLUMN force_write INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        migrator.registerMigration("v8-polls") { db in
            try db.execute(sql: SQLiteBridgeStore.pollsTable)
        }
        migrator.registerMigration("v9-planned-by") { db in
            try db.execute(
                sql: """
                    ALTER TABLE events ADD COLUMN planned_by TEXT;
                    ALTER TABLE attempts ADD COLUMN planned_by TEXT;
                    """)
        }
        migrator.registerMigration("v10-handshake-sources") { db in
            try db.execute(sql: "ALTER TABLE handshake_secrets ADD COLUMN source TEXT")
        }
        migrator.registerMigration("v11-event-requests") { db in
            // Pruning asks, per request, whether an event still refers to it.
            try db.execute(sql: "CREATE INDEX events_request ON events(request_id)")
        }
        migrator.registerMigration("v12-attempt-operations") { db in
            try db.execute(sql: "ALTER TABLE attempts ADD COLUMN operations TEXT")
        }
        migrator.registerMigration("v13-console") { db in
            try db.execute(sql: StoreRules.consoleSchema.joined(separator: ";\n"))
        }
        migrator.registerMigration("v14-conversation-writes") { db in
            try db.execute(sql: StoreRules.conversationWritesSchema.joined(separator: ";\n"))
        }
        return migrator
    }

    public func accept(_ request: IncomingRequest, events: [IncomingEvent]) async throws(BridgeStoreError)
        -> [AcceptedEvent]
    {
        do {
            return try await committer.submit((request, events))
        } catch {
            throw BridgeStoreError("cannot store the request: \(error)")
        }
    }

    static func insert(_ request: IncomingRequest, _ events: [IncomingEvent], _ db: Database) throws
        -> [AcceptedEvent]
    {
        var results: [AcceptedEvent] = []
        var requestID: Int64?
        let now = request.webhook.receivedAt.timeIntervalSince1970
        for event in events {
            if let existing = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT event_id FROM dedupe WHERE pipeline = ? AND dedupe_id = ?"),
                arguments: [request.pipeline, event.dedupeID])
            {
                results.append(AcceptedEvent(eventID: existing, dedupeID: event.dedupeID, duplicate: true))
                continue
            }
            if requestID == nil {
                let headers = JSONValue.object(request.webhook.headers.mapValues { .string($0) }).jsonText
                try db.cachedExecute(
                    sql: """
                        INSERT INTO requests (pipeline, method, path, query, headers, body, received_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        request.pipeline, request.webhook.method, request.webhook.path, request.webhook.query, headers,
                        request.webhook.body, now,
                    ])
                requestID = db.lastInsertedRowID
            }
            try db.cachedExecute(
                sql: """
                    INSERT INTO events (request_id, pipeline, event_index, dedupe_id, status, next_attempt_at,
                        order_key, contact, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    requestID, request.pipeline, event.index, event.dedupeID, now, event.orderKey, event.contact, now,
                    now,
                ])
            let eventID = db.lastInsertedRowID
            try db.cachedExecute(
                sql: "INSERT INTO dedupe (pipeline, dedupe_id, event_id, accepted_at) VALUES (?, ?, ?, ?)",
                arguments: [request.pipeline, event.dedupeID, eventID, now])
            results.append(
                AcceptedEvent(eventID: eventID, dedupeID: event.dedupeID, duplicate: false, requestID: requestID))
        }
        return results
    }

    public func claimDue(now: Date, limit: Int, lease: TimeInterval, pipelines: [String]?)
        async throws(BridgeStoreError) -> [StoredEvent]
    {
        let t = now.timeIntervalSince1970
        return try await write(durable: false) { db in
            let claimed = try db.rows(
                StoreRules.claimDue(now: t, held: t, lease: lease, limit: limit, pipelines: pipelines)
            ).map(Self.event)
            guard !claimed.isEmpty else { return [] }
            let views = Dictionary(
                uniqueKeysWithValues: try db.rows(StoreRules.claimView(claimed.map(\.id))).map {
                    (
                        $0["id"] as Int64,
                        ClaimView(
                            followersWaiting: $0["followers_waiting"], earlierOfContact: $0["earlier_of_contact"],
                            writtenFields: $0["written_fields"])
                    )
                })
            return claimed.map { $0.seen(views[$0.id]) }.sorted { $0.id < $1.id }
        }
    }

    public func request(_ id: Int64) async throws(BridgeStoreError) -> StoredRequest? {
        try await read { db in
            try db.rows(StoreRules.request(id)).first.map(Self.storedRequest)
        }
    }

    public func saveProgress(
        eventID: Int64, progress: Int, contact: String?, inflightSince: Date?, written: [ContactWrites],
        plannedBy: String?
    ) async throws(BridgeStoreError) {
        // A mark that an operation is in flight must outlive a power loss; progress past it may be redone.
        let save = ProgressSave(progress: progress, inflightSince: inflightSince, contact: contact, written: written)
        let now = clock.now()
        try await write(durable: inflightSince != nil) { db in
            try Self.record(save, of: eventID, plannedBy: plannedBy, at: now, db)
        }
    }

    /// Records how far an event's plan got and what its operations wrote (`saveProgress`, and `finish` with a
    /// progress): one statement set for both.
    static func record(
        _ save: ProgressSave, of eventID: Int64, plannedBy: String?, at now: Date, _ db: Database
    ) throws {
        for statement in StoreRules.progress(
            save, of: eventID, plannedBy: plannedBy, at: now.timeIntervalSince1970)
        {
            try db.execute(statement)
        }
    }

    public func writtenFields(contact: String) async throws(BridgeStoreError) -> WrittenFields {
        try await read { db in
            let rows = try db.rows(StoreRules.writtenFields(contact: contact))
            return WrittenFields(Dictionary(rows.map { ($0["field"], $0["digest"]) }) { first, _ in first })
        }
    }

    public func addCrispRequests(_ counts: [CrispRequestCount]) async throws(BridgeStoreError) {
        guard let statement = StoreRules.addCrispRequests(counts) else { return }
        try await write { db in try db.execute(statement) }
    }

    public func crispRequests(day: String) async throws(BridgeStoreError) -> [CrispRequestCount] {
        try await read { db in
            try db.rows(StoreRules.crispRequests(day: day)).map {
                CrispRequestCount(day: day, route: $0["route"], outcome: $0["outcome"], count: $0["count"])
            }
        }
    }

    public func setCrispQuotaExhausted(since: Date?) async throws(BridgeStoreError) {
        let now = clock.now().timeIntervalSince1970
        try await write { db in
            if let since {
                try db.execute(StoreRules.quotaExhausted(since: since.timeIntervalSince1970))
            } else {
                let since = try db.rows(StoreRules.quotaCleared).first.flatMap { ($0["value"] as String?) }
                guard let since = since.flatMap(Double.init) else { return }
                try db.execute(StoreRules.shiftAges(by: now - since))
            }
        }
    }

    public func claimFollowers(of leader: StoredEvent, limit: Int, lease: TimeInterval, now: Date)
        async throws(BridgeStoreError) -> [StoredEvent]
    {
        guard let key = leader.orderKey, limit > 0 else { return [] }
        return try await write(durable: false) { db in
            let waiting = try db.rows(StoreRules.followers(orderKey: key, after: leader.id, limit: limit))
                .map(Self.event)
            let run = waiting.prefix { $0.mayFollow(now: now) }.map { $0.leased(until: now + lease) }
            guard !run.isEmpty else { return [] }
            try db.execute(StoreRules.lease(run.map(\.id), until: now.timeIntervalSince1970 + lease))
            return run
        }
    }

    public func release(eventIDs: [Int64]) async throws(BridgeStoreError) {
        guard !eventIDs.isEmpty else { return }
        try await write(durable: false) { db in try db.execute(StoreRules.release(eventIDs)) }
    }

    public func conversationWrites(session: String, since: Date) async throws(BridgeStoreError) -> Int {
        try await read { db in
            try db.rows(StoreRules.conversationWrites(session: session, since: since.timeIntervalSince1970)).first?[
                "writes"] ?? 0
        }
    }

    public func recordConversationWrite(session: String, at: Date, forgetBefore: Date) async throws(BridgeStoreError) {
        try await write { db in
            for statement in StoreRules.recordConversationWrite(
                session: session, at: at.timeIntervalSince1970, forgetBefore: forgetBefore.timeIntervalSince1970)
            {
                try db.execute(statement)
            }
        }
    }

    public func crispQuotaExhaustedSince() async throws(BridgeStoreError) -> Date? {
        try await read { db in
            try String.fetchOne(
                db, sql: "SELECT value FROM bridge_settings WHERE name = 'crisp_quota_exhausted_since'"
            ).flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
        }
    }

    public func finish(
        eventID: Int64, outcome: DeliveryOutcome, at: Date, startedAt: Date?, plannedBy: String?,
        progress: ProgressSave?
    ) async throws(BridgeStoreError) {
        let statements =
            (progress.map { StoreRules.progress($0, of: eventID, plannedBy: plannedBy, at: at.timeIntervalSince1970) }
                ?? [])
            + StoreRules.finish(
                eventID: eventID, outcome: outcome, at: at, startedAt: startedAt, plannedBy: plannedBy,
                operations: progress?.operations ?? [], warnings: progress?.warnings ?? [])
        do {
            try await finishes.submit(statements)
        } catch let error as BridgeStoreError {
            throw error
        } catch {
            throw BridgeStoreError("store write failed: \(error)")
        }
    }

    /// Releases every lease (for the owner at start: whoever held them is gone).
    func releaseLeases() throws -> Int {
        try pool.write { db in
            try db.cachedExecute(
                sql: "UPDATE events SET lease_until = NULL WHERE status = 'pending' AND lease_until IS NOT NULL")
            return db.changesCount
        }
    }

    public func renewLease(eventID: Int64, held: Date, until: Date) async throws(BridgeStoreError) -> Date? {
        let statement = StoreRules.renewLease(
            eventID: eventID, held: held.timeIntervalSince1970, until: until.timeIntervalSince1970)
        return try await write(durable: false) { db in try db.rows(statement).isEmpty ? nil : until }
    }

    public func earlierPendingEvent(contact: String, before eventID: Int64) async throws(BridgeStoreError) -> Int64? {
        try await read { db in
            try db.rows(StoreRules.earlierPendingEvent(contact: contact, before: eventID)).first?["id"]
        }
    }

    public func events(matching filter: EventFilter) async throws(BridgeStoreError) -> [StoredEvent] {
        try await read { db in try db.rows(StoreRules.events(filter)).map(Self.event) }
    }

    public func event(_ id: Int64) async throws(BridgeStoreError) -> StoredEvent? {
        try await read { db in
            try db.rows(StoreRules.event(id)).first.map(Self.event)
        }
    }

    public func attempts(eventID: Int64) async throws(BridgeStoreError) -> [AttemptRecord] {
        try await read { db in
            try db.rows(StoreRules.attempts(eventID: eventID)).map {
                AttemptRecord(
                    eventID: $0["event_id"], at: Date(timeIntervalSince1970: $0["at"]), outcome: $0["outcome"],
                    httpStatus: $0["http_status"], reason: $0["reason"],
                    duration: ($0["duration_ms"] as Double?).map { $0 / 1000 },
                    operations: OperationLog.parse($0["operations"]))
            }
        }
    }

    public func events(dedupeID: String) async throws(BridgeStoreError) -> [StoredEvent] {
        try await read { db in
            try db.rows(StoreRules.events(dedupeID: dedupeID)).map(Self.event)
        }
    }

    /// Re-queues the events `condition` selects (`StoreRules.requeue`), each with its `replayed` record.
    func requeue(where condition: StoreStatement, now: Date, force: Bool, fromStart: Bool)
        async throws(BridgeStoreError) -> Int
    {
        let t = now.timeIntervalSince1970
        return try await write { db in
            let ids = try db.rows(
                StoreRules.requeue(where: condition, now: t, due: t, force: force, fromStart: fromStart)
            )
            .map { $0["id"] as Int64 }
            for id in ids { try db.execute(StoreRules.replayed(id, at: t, fromStart: fromStart)) }
            return ids.count
        }
    }

    public func prune(doneBefore: Date, deadBefore: Date, after: Int64, limit: Int) async throws(BridgeStoreError)
        -> PruneBatch
    {
        let (done, dead) = (doneBefore.timeIntervalSince1970, deadBefore.timeIntervalSince1970)
        let found: [Int64] = try await read { db in
            try db.rows(StoreRules.prunable(doneBefore: done, deadBefore: dead, after: after, limit: limit)).map {
                $0["id"]
            }
        }
        guard !found.isEmpty else { return PruneBatch(found: 0, removed: 0, through: nil) }
        let removed = try await write(durable: false) { db in
            let rows = try db.rows(StoreRules.removeEvents(found, doneBefore: done, deadBefore: dead))
            let ids: [Int64] = rows.map { $0["id"] }
            guard !ids.isEmpty else { return 0 }
            let requests = Array(Set(rows.map { $0["request_id"] as Int64 }))
            for statement in StoreRules.removeTraces(of: ids, requests: requests) { try db.execute(statement) }
            return ids.count
        }
        return PruneBatch(found: found.count, removed: removed, through: found.last)
    }

    public func reclaimSpace(pages: Int) async throws(BridgeStoreError) -> Int64 {
        let (reclaimed, left) = try await write(durable: false) { db -> (Int64, Int64) in
            let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            let before = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            guard before > 0, try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2 else { return (0, 0) }
            try db.execute(sql: "PRAGMA incremental_vacuum(\(max(1, pages)))")
            let after = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            return ((before - after) * pageSize, after)
        }
        if reclaimed > 0, left == 0 {
            // The WAL copied into the file, which then shrinks to what the vacuum left, without waiting for
            // readers (the WAL file is cut back to 64 MiB when it is reused: `journal_size_limit`).
            let pool = self.pool
            let checkpoint: @Sendable (Database) throws -> Void = { db in
                _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            }
            do { try await pool.writeWithoutTransaction(checkpoint) } catch {}  // the next pass tries again
        }
        return reclaimed
    }

    public func stats() async throws(BridgeStoreError) -> StoreStats {
        let path = self.path
        return try await read { db in
            var byStatus: [EventStatus: Int] = [:]
            for status in EventStatus.allCases { byStatus[status] = 0 }
            var oldest: Double?
            for row in try db.rows(StoreRules.eventStats) {
                if let status = EventStatus(rawValue: row["status"]) { byStatus[status] = row["n"] }
                if let first: Double = row["oldest"] { oldest = min(oldest ?? first, first) }
            }
            var bytes: Int64 = 0
            for file in [path, path + "-wal"] {
                let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber
                bytes += size?.int64Value ?? 0
            }
            let mode = try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0
            return StoreStats(
                bytes: bytes, byStatus: byStatus, oldest: oldest.map { Date(timeIntervalSince1970: $0) },
                reclaim: mode == 2 ? "incremental" : "none")
        }
    }

    public func purgeDedupe(before: Date) async throws(BridgeStoreError) -> Int {
        try await write { db in try db.rows(StoreRules.purgeDedupe(before: before.timeIntervalSince1970)).count }
    }

    public func counts(ids: ClosedRange<Int64>, dedupePrefix prefix: String) async throws(BridgeStoreError)
        -> [EventStatus: Int]
    {
        try await read { db in
            var byStatus: [EventStatus: Int] = [:]
            let rows = try db.rows(StoreRules.importCounts(ids, prefix: prefix))
            for row in rows {
                if let status = EventStatus(rawValue: row["status"]) { byStatus[status] = row["n"] }
            }
            return byStatus
        }
    }

    public func events(ids: ClosedRange<Int64>, dedupePrefix prefix: String, status: EventStatus)
        async throws(BridgeStoreError) -> [StoredEvent]
    {
        try await read { db in
            try db.rows(StoreRules.importEvents(ids, prefix: prefix, status: status)).map(Self.event)
        }
    }

    public func counts(now: Date) async throws(BridgeStoreError) -> (byStatus: [EventStatus: Int], due: Int) {
        try await read { db in
            var byStatus: [EventStatus: Int] = [:]
            for status in EventStatus.allCases { byStatus[status] = 0 }
            var due = 0
            for row in try db.rows(StoreRules.countsByStatus(now: now.timeIntervalSince1970)) {
                if let status = EventStatus(rawValue: row["status"]) { byStatus[status] = row["n"] }
                due += row["due"] ?? 0
            }
            return (byStatus, due)
        }
    }

    public func pendingByPipeline() async throws(BridgeStoreError) -> [String: Int] {
        try await read { db in
            Dictionary(
                try db.rows(StoreRules.pendingByPipeline).map { ($0["pipeline"], $0["n"]) }, uniquingKeysWith: +)
        }
    }

    public func ping() async throws(BridgeStoreError) {
        if let problem = watch.problem(looking: true) { throw BridgeStoreError(problem) }
        let header = try await read { db in StoreFileWatch.stableHeader(db) }
        if let problem = watch.problem(looking: true, readHeader: true, header: header) {
            throw BridgeStoreError(problem)
        }
    }

    public func saveHandshakeSecret(pipeline: String, secret: String, source: String?, at: Date)
        async throws(BridgeStoreError)
    {
        try await write { db in
            for statement in StoreRules.keepHandshakeSecret(
                secret, pipeline: pipeline, source: source, at: at.timeIntervalSince1970)
            {
                try db.execute(statement)
            }
        }
    }

    public func trustHandshakeSecret(pipeline: String, secret: String) async throws(BridgeStoreError) -> Bool {
        try await write { db in
            guard try !db.rows(StoreRules.handshakeSecret(secret, pipeline: pipeline)).isEmpty else { return false }
            try db.execute(StoreRules.trustHandshakeSecret(secret, pipeline: pipeline))
            return true
        }
    }

    public func handshakeSecrets(pipeline: String) async throws(BridgeStoreError) -> [HandshakeSecret] {
        try await read { db in
            try db.rows(StoreRules.handshakeSecrets(pipeline: pipeline)).map {
                HandshakeSecret(
                    secret: $0["secret"], receivedAt: Date(timeIntervalSince1970: $0["received_at"]),
                    source: $0["source"], trusted: $0["trusted"])
            }
        }
    }

    private static func event(_ row: Row) -> StoredEvent {
        StoredEvent(
            id: row["id"], requestID: row["request_id"], pipeline: row["pipeline"], index: row["event_index"],
            dedupeID: row["dedupe_id"], status: EventStatus(rawValue: row["status"]) ?? .pending,
            attempts: row["attempts"],
            nextAttemptAt: (row["next_attempt_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            progress: row["progress"], contact: row["contact"],
            inflightSince: (row["inflight_since"] as Double?).map(Date.init(timeIntervalSince1970:)),
            lastError: row["last_error"], orderKey: row["order_key"],
            leaseUntil: (row["lease_until"] as Double?).map(Date.init(timeIntervalSince1970:)),
            waitingFor: row["waiting_for"],
            ageFrom: Date(timeIntervalSince1970: (row["age_from"] as Double?) ?? row["created_at"]),
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]), forceWrite: row["force_write"] ?? false,
            plannedBy: row["planned_by"])
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(BridgeStoreError)
        -> T
    {
        StoreTransactions.count("sqlite", "read")
        do {
            return try await pool.read(body)
        } catch {
            throw BridgeStoreError("store read failed: \(error)")
        }
    }

    /// Runs `body` in a write transaction; `durable` false commits it without an fsync (see the type's
    /// documentation for which writes may).
    func write<T: Sendable>(durable: Bool = true, _ body: @escaping @Sendable (Database) throws -> T)
        async throws(BridgeStoreError) -> T
    {
        if let problem = watch.problem { throw BridgeStoreError(problem) }
        StoreTransactions.count("sqlite", "write")
        do {
            if durable { return try await pool.write(body) }
            return try await Self.writeWithoutSync(pool, body)
        } catch {
            throw BridgeStoreError("store write failed: \(error)")
        }
    }

    /// Runs `body` in a write transaction committed without an fsync.
    private static func writeWithoutSync<T: Sendable>(
        _ pool: DatabasePool, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            var result: T?
            try db.inTransaction {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }
}

extension Database {
    /// Runs one statement, kept compiled on this connection between calls: the delivery loop's statements
    /// run thousands of times a second, and compiling each anew (with GRDB's authorizer) cost more than
    /// running it.
    func cachedExecute(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
