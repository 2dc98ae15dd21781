import BridgeCore
import BridgeStore
import CSV
import Foundation
import Logging

/// `crisp-bridge import FILE.csv`: every row of a CSV file through a pipeline into Crisp, as webhooks go — the
/// same store, worker, rate limit, retries and quota — streamed, resumable and with every rejected row
/// reported.
///
/// Each row becomes an event whose body (and `event`) is the row keyed by the header. Its dedupe id is
/// `csv:<run>:<file>:<line>:<digest of the row>` (`CSVRowIDs`), so a run killed and started again stores no row twice —
/// even when the file grew in between — and the same file imported again is a no-op unless `--again` starts a
/// new run. Rows a pipeline without
/// `fetch` cannot plan are rejected before they are stored; rows Crisp refuses for good end dead and are
/// reported too, in `FILE.rejects.csv` (the row's cells, its line and the reason).
public struct CSVImport: Sendable {
    /// What `crisp-bridge import` was asked.
    public struct Options: Sendable {
        public var file: String
        /// A pipeline's name (in `bridge.pipelines`) or file; nil: `csv-contacts`.
        public var pipeline: String?
        /// `,`, `;` or tab; nil guesses it from the first line.
        public var delimiter: UnicodeScalar?
        public var header = true
        /// Rows to read at most (Crisp advises trying one or two contacts first).
        public var limit: Int?
        /// Plan every row and write the report; nothing is stored or sent.
        public var dryRun = false
        /// The run's name, part of every row's dedupe id (`--again` picks a new one).
        public var run = "1"
        /// Where delivery happens: the store, Crisp or the sandbox, the rate.
        public var bridge = BridgeOptions()
        /// Progress redrawn in place (a terminal), or a plain line every few seconds.
        public var interactive = false
        /// Columns placed by hand (`--map "Column=field"`; "" ignores the column), over the pipeline's `mapping:`.
        public var map: [String: String] = [:]

        public init(file: String) {
            self.file = file
        }
    }

    /// How an import ended.
    public struct Summary: Sendable {
        public var read = 0
        /// Stored by this run.
        public var queued = 0
        /// Stored by an earlier run of the same file (nothing new stored).
        public var alreadyStored = 0
        public var delivered = 0
        public var skipped = 0
        public var rejected = 0
        /// Rows imported whose plan left a value out (each in the rejects file with its warnings).
        public var warned = 0
        /// Rows whose delivery still waits (only when the import was stopped before the end).
        public var pending = 0
        /// The rejects file, when rows were rejected.
        public var rejects: String?
        /// Crisp requests the planned rows cost for new contacts, and at most (dry run).
        public var cost = (new: 0, atMost: 0)
        public var seconds = 0.0
        /// Dead events counted into `rejected` so far.
        var deadSeen = 0
        /// Rows a dry run showed as planned.
        var shown = 0
        /// Rows another crisp-bridge sharing the store delivered (a `serve` that has the pipeline too).
        public var deliveredElsewhere = 0
        /// The rows found delivered, less this process's deliveries, at the first look (earlier runs').
        var deliveredBefore: Int?
        /// How the file's columns filled the pipeline's fields (printed first by a dry run).
        public var mapping: CSVColumnMapping?
        /// Events this process's worker planned again instead of carrying out the import's plan (rows stored by
        /// an earlier run, or with `fetch`, which is run at delivery): 0 when every row was planned once.
        public var replanned = 0

        /// 0: every valid row delivered (or, dry run, planned); 2: rows were rejected.
        public var exitCode: Int32 { rejected > 0 ? 2 : 0 }
    }

    let options: Options
    let pipeline: Pipeline
    let logger: Logger

    /// Loads the pipeline the options name; every problem of it is an error that says where.
    public init(_ options: Options, logger: Logger) throws(ImportError) {
        self.options = options
        self.logger = logger
        self.pipeline = try Self.loadPipeline(options)
    }

    static func loadPipeline(_ options: Options) throws(ImportError) -> Pipeline {
        let wanted = options.pipeline ?? "csv-contacts"
        let isFile = wanted.hasSuffix(".yaml") || wanted.hasSuffix(".yml")
        let loaded = PipelineLoader.load(paths: [isFile ? wanted : options.bridge.pipelines])
        let errors = loaded.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else {
            throw ImportError(
                errors.map(\.description).joined(separator: "\n") + "\n\(errors.count) error(s) in the pipelines")
        }
        guard let pipeline = isFile ? loaded.pipelines.first : loaded.pipelines.first(where: { $0.name == wanted })
        else {
            let names = loaded.pipelines.map(\.name).sorted().joined(separator: ", ")
            throw ImportError(
                "no pipeline named \(wanted) in \(options.bridge.pipelines) (there: \(names.isEmpty ? "none" : names)); give --pipeline NAME or FILE.yaml"
            )
        }
        return pipeline
    }

    /// Reads, plans, stores and delivers every row, then writes the rejects file; returns the summary.
    public func run() async throws(ImportError) -> Summary {
        let clock = ContinuousClock()
        let start = clock.now
        let source = try CSVSource(path: options.file, delimiter: options.delimiter, header: options.header)
        let mapping = try check(source)
        if options.dryRun || !mapping.isIdentity {
            FileHandle.standardError.write(
                Data("import: the columns of \(source.path) fill these fields:\n\(mapping.description)\n".utf8))
        }
        let ids = CSVRowIDs(run: options.run, file: options.file, columns: source.columns)
        let rejects = RejectsFile(path: options.file + ".rejects.csv", columns: source.columns)
        var progress = ImportProgress(interactive: options.interactive, dryRun: options.dryRun)
        let fetcher = HTTPFetcher()
        var running: RunningBridge?
        do {
            let summary = try await run(source, mapping, ids, rejects, &progress, fetcher, &running, clock)
            await running?.stop()
            try? await fetcher.shutdown()
            var done = summary
            done.mapping = mapping
            done.seconds = (clock.now - start).inSeconds
            return done
        } catch {
            progress.finish()
            await running?.stop()
            try? await fetcher.shutdown()
            throw error
        }
    }

    private func run(
        _ source: CSVSource, _ mapping: CSVColumnMapping, _ rowIDs: CSVRowIDs, _ rejects: RejectsFile,
        _ progress: inout ImportProgress,
        _ fetcher: HTTPFetcher, _ running: inout RunningBridge?, _ clock: ContinuousClock
    ) async throws(ImportError) -> Summary {
        let context = {
            var context = TransformContext(
                environment: options.bridge.environment, fetcher: fetcher, verifySignatures: false)
            context.orderKeys = !options.dryRun
            return context
        }()
        var summary = Summary()
        // Each row keyed by the fields its columns fill (an ignored column keeps its own name).
        let keys = mapping.columns.indices.map(mapping.key(at:))
        if !options.dryRun {
            var bridge = options.bridge
            bridge.listen = false
            bridge.polls = false
            bridge.exclusiveStore = false
            // Retention is serve's to apply, with its own settings: an import removes nothing.
            bridge.retention = nil
            bridge.deadRetention = nil
            bridge.pipelines = pipeline.file
            do {
                running = try await Bridge.start(bridge, logger: logger)
                if let joined = running?.joinedSandbox {
                    FileHandle.standardError.write(Data("import: \(joined)\n".utf8))
                }
            } catch let error as Bridge.StartupError {
                throw error
            } catch {
                throw ImportError("cannot start delivery: \(error)")
            }
        }
        let prefix = rowIDs.prefix
        var ids: ClosedRange<Int64>?
        // Rows are read in batches; a batch is examined (accepted and planned, on both cores) while the next
        // one is read, then its results are recorded in file order (stored, rejected, counted).
        let batchSize = options.dryRun ? 4000 : 200
        var examining: Task<[RowResult], Never>?
        while true {
            var batch: [(CSVSource.Record, JSONValue)] = []
            while batch.count < batchSize, options.limit.map({ summary.read < $0 }) ?? true,
                let record = try source.next()
            {
                summary.read += 1
                batch.append((record, source.row(record, keys: keys)))
            }
            let examined = await examining?.value ?? []
            // The next batch is examined while this one's results are recorded.
            let rows = batch
            examining = rows.isEmpty ? nil : Task { await examine(rows, ids: rowIDs, context: context) }
            for result in examined {
                if let running { try await waitForRoom(&summary, &progress, running, ids, prefix, clock) }
                try await record(result, into: &summary, &ids, rejects, running)
            }
            if !examined.isEmpty { running?.wake() }
            if progress.due(clock.now) {
                try await refresh(&summary, running, ids, prefix)
                progress.draw(summary, reading: true, paused: nil, now: clock.now)
            }
            if rows.isEmpty { break }
        }
        if let running {
            running.wake()
            // Every stored row delivered or dead: this import's events, wherever they are delivered.
            while true {
                try await refresh(&summary, running, ids, prefix)
                if summary.pending == 0 { break }
                let paused = try? await running.store.crispQuotaExhaustedSince()
                if progress.due(clock.now) { progress.draw(summary, reading: false, paused: paused, now: clock.now) }
                try? await Task.sleep(for: .milliseconds(200))
            }
            if let ids {
                do {
                    for event in try await running.store.events(ids: ids, dedupePrefix: prefix, status: .dead) {
                        let request = try await running.store.request(event.requestID)
                        let cells = (try? JSONValue.parse(request?.webhook.body ?? Data()))?.objectValue ?? [:]
                        let line = rowIDs.line(of: event.dedupeID)
                        try rejects.add(
                            values: keys.map { cells[$0]?.stringValue ?? "" }, line: line,
                            reason: event.lastError ?? "refused")
                    }
                } catch let error as ImportError {
                    throw error
                } catch {
                    throw ImportError("cannot read the rejected rows back: \(error)")
                }
            }
        }
        try rejects.close()
        summary.rejects = rejects.written > 0 ? rejects.path : nil
        progress.finish()
        return summary
    }

    /// What one row becomes: the events to store, the reasons it is rejected, the events `when` skips.
    struct RowResult: Sendable {
        let record: CSVSource.Record
        let webhook: WebhookRequest
        /// The row split into events, and their plans by index (without `fetch`): handed to the worker.
        var accepted: AcceptedRequest?
        var plans: [Int: EventOutcome] = [:]
        /// Every event's plan, skip or failure (a dry run shows the first rows so).
        var outcomes: [EventOutcome] = []
        var events: [IncomingEvent] = []
        var rejections: [String] = []
        /// The warnings of the row's plans (values a rule left out), with their places.
        var warnings: [String] = []
        var skipped = 0
        var cost = (new: 0, atMost: 0)
    }

    /// Examines rows in four parts at once (the cores share them) and returns their results in order.
    func examine(_ rows: [(CSVSource.Record, JSONValue)], ids: CSVRowIDs, context: TransformContext) async
        -> [RowResult]
    {
        let parts = 4
        let size = (rows.count + parts - 1) / parts
        return await withTaskGroup(of: (Int, [RowResult]).self) { group in
            for part in 0..<parts where part * size < rows.count {
                let slice = rows[(part * size)..<min(rows.count, (part + 1) * size)]
                group.addTask { (part, await examineInOrder(slice, ids: ids, context: context)) }
            }
            var results: [[RowResult]] = Array(repeating: [], count: parts)
            for await (part, examined) in group { results[part] = examined }
            return results.flatMap { $0 }
        }
    }

    private func examineInOrder(
        _ rows: ArraySlice<(CSVSource.Record, JSONValue)>, ids: CSVRowIDs, context: TransformContext
    ) async -> [RowResult] {
        var out: [RowResult] = []
        out.reserveCapacity(rows.count)
        for (record, row) in rows { out.append(await examine(record, row, ids: ids, context: context)) }
        return out
    }

    /// Accepts a row as the pipeline's request and, when the pipeline has no `fetch` (or in a dry run), plans
    /// its events: a row that cannot be planned is rejected before anything is stored.
    func examine(_ record: CSVSource.Record, _ body: JSONValue, ids: CSVRowIDs, context: TransformContext)
        async -> RowResult
    {
        // The body's bytes are what the store keeps; a dry run stores nothing and skips writing them.
        let webhook = WebhookRequest(
            path: pipeline.trigger.path.isEmpty ? "/import" : pipeline.trigger.path,
            headers: ["content-type": "application/json"], body: options.dryRun ? Data() : Data(body.jsonText.utf8))
        var result = RowResult(record: record, webhook: webhook)
        let accepted: AcceptedRequest
        switch pipeline.accept(webhook, context: context, body: body) {
        case .failure(let error):
            result.rejections.append(error.message)
            return result
        case .success(let value):
            accepted = value
        }
        result.accepted = accepted
        let preplan = pipeline.fetchNames.isEmpty || options.dryRun
        for event in accepted.events {
            if preplan {
                let outcome = await pipeline.plan(event, of: accepted, context: context)
                result.warnings += outcome.warnings
                if options.dryRun {
                    var shown = outcome
                    shown.id = ids.id(of: record, event: event.index, of: accepted.events.count)
                    result.outcomes.append(shown)
                }
                switch outcome.status {
                case .failed(let reason, _):
                    result.rejections.append(reason)
                    continue
                case .skipped:
                    result.skipped += 1
                    continue
                case .planned(let operations):
                    for operation in operations {
                        result.cost.new += operation.requestCost.new
                        result.cost.atMost += operation.requestCost.atMost
                    }
                    result.plans[event.index] = outcome
                }
            }
            let id = ids.id(of: record, event: event.index, of: accepted.events.count)
            result.events.append(
                IncomingEvent(
                    index: event.index, dedupeID: id, orderKey: event.orderKey,
                    contact: pipeline.orderKeyIsEmail ? event.orderKey : nil))
        }
        return result
    }

    /// Records a row's result: its rejections in the rejects file, its events in the store (none in a dry run).
    private func record(
        _ result: RowResult, into summary: inout Summary, _ ids: inout ClosedRange<Int64>?, _ rejects: RejectsFile,
        _ running: RunningBridge?
    ) async throws(ImportError) {
        // A dry run shows the first rows as planned, after the mapping, for a check before anything is sent.
        if options.dryRun, summary.shown < Self.rowsShown {
            summary.shown += 1
            // A row that was not even split (no outcome) says why; the others show their plan or failure.
            var text =
                result.outcomes.isEmpty
                ? result.rejections.map { "import: line \(result.record.line) rejected: \($0)\n" }.joined() : ""
            for outcome in result.outcomes {
                var line: [UInt8] = []
                outcome.writePlanJSON(to: &line)
                text += "import: line \(result.record.line) as planned: \(String(decoding: line, as: UTF8.self))\n"
            }
            FileHandle.standardError.write(Data(text.utf8))
        }
        for reason in result.rejections { try rejects.add(result.record, reason: reason, warnings: result.warnings) }
        if result.rejections.isEmpty, !result.warnings.isEmpty {
            try rejects.add(result.record, reason: RejectsFile.importedWithWarnings, warnings: result.warnings)
            summary.warned += 1
        }
        summary.rejected += result.rejections.count
        summary.skipped += result.skipped
        summary.cost.new += result.cost.new
        summary.cost.atMost += result.cost.atMost
        guard let running else {
            summary.queued += result.events.count
            return
        }
        guard !result.events.isEmpty else { return }
        // The worker carries out the plans made here instead of planning the row again: handed over before
        // the row is stored, as the worker may claim it the moment it is committed.
        if let accepted = result.accepted, !result.plans.isEmpty {
            let entry = ParsedRequestCache.Entry(
                webhook: result.webhook, accepted: accepted, version: pipeline.version, plans: result.plans)
            for event in result.events {
                running.handoff.insert(entry, for: .event(pipeline: pipeline.name, dedupeID: event.dedupeID))
            }
        }
        let stored: [AcceptedEvent]
        do {
            stored = try await running.store.accept(
                IncomingRequest(pipeline: pipeline.name, webhook: result.webhook), events: result.events)
        } catch {
            throw ImportError("cannot store the row of line \(result.record.line): \(error)")
        }
        for event in stored {
            let low = min(ids?.lowerBound ?? event.eventID, event.eventID)
            ids = low...max(ids?.upperBound ?? event.eventID, event.eventID)
            if event.duplicate {
                summary.alreadyStored += 1
            } else {
                summary.queued += 1
                summary.pending += 1  // until the store says otherwise (`refresh`)
            }
        }
    }

    /// The file fits the pipeline: its columns fill the fields `trigger.csv` needs (matched as Crisp's importer
    /// matches them, with the pipeline's `mapping:` and `--map`), and every `data.<key>` column names a valid
    /// custom-data key. Returns how the columns fill the fields.
    func check(_ source: CSVSource) throws(ImportError) -> CSVColumnMapping {
        let mapping: CSVColumnMapping
        do throws(BridgeCoreError) {
            if let csv = pipeline.trigger.csv {
                mapping = try csv.mapping(of: source.columns, given: options.map)
            } else {
                mapping = try CSVColumnMapping(header: source.columns, fields: [], given: options.map)
            }
        } catch {
            throw ImportError("\(source.path): \(error.message)")
        }
        if let csv = pipeline.trigger.csv {
            let missing = mapping.missing(csv.columns)
            if !missing.isEmpty, !options.header {
                throw ImportError(
                    "pipeline \(pipeline.name) reads the columns \(csv.columns.joined(separator: ", ")) by name (\(csv.location)); a file without a header has only numbered columns (1, 2, …): give the file its header, map them (--map \"1=\(missing[0])\"), or use a pipeline that reads event[\"1\"], …"
                )
            }
            if !missing.isEmpty {
                throw ImportError(
                    "\(source.path): no column of the header fills \(missing.joined(separator: ", ")), which pipeline \(pipeline.name) needs (\(csv.location)); it has \(source.columns.joined(separator: ", ")): name the column with --map \"COLUMN=\(missing[0])\""
                )
            }
        }
        for (index, column) in mapping.columns.enumerated() {
            guard let field = column.field, field.hasPrefix("data.") else { continue }
            let key = String(field.dropFirst(5))
            guard CustomDataKey.isValidIgnoringCase(key) else {
                throw ImportError(
                    "\(source.path):\(source.headerLine): column \(index + 1) '\(column.header)': '\(key)' is not a Crisp custom-data key (letters, digits, _ and -, 1 to 50 of them)"
                )
            }
        }
        return mapping
    }

    /// How many rows a dry run shows as planned, after the mapping.
    static let rowsShown = 3

    /// How far the stored rows may run ahead of their delivery, in events: half what the worker's hand-off
    /// keeps, so each row is delivered from the plan made here; and a big file does not sit in the store whole
    /// before its first row goes out (an import stopped early goes on where it stopped, by its rows' ids).
    var aheadOfDelivery: Int { max(1, options.bridge.handoffCapacity / 2) }

    /// Waits until this import's pending events are fewer than `aheadOfDelivery`, drawing the progress: the
    /// store is asked only when the rows stored since it last said reach that.
    private func waitForRoom(
        _ summary: inout Summary, _ progress: inout ImportProgress, _ running: RunningBridge,
        _ ids: ClosedRange<Int64>?, _ prefix: String, _ clock: ContinuousClock
    ) async throws(ImportError) {
        while summary.pending >= aheadOfDelivery {
            running.wake()
            try await refresh(&summary, running, ids, prefix)
            if summary.pending < aheadOfDelivery { return }
            if progress.due(clock.now) {
                let paused = try? await running.store.crispQuotaExhaustedSince()
                progress.draw(summary, reading: true, paused: paused, now: clock.now)
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// This import's events by status, from the store (a `serve` sharing it may deliver some).
    private func refresh(
        _ summary: inout Summary, _ running: RunningBridge?, _ ids: ClosedRange<Int64>?, _ prefix: String
    )
        async throws(ImportError)
    {
        guard let running, let ids else { return }
        let counts: [EventStatus: Int]
        do {
            counts = try await running.store.counts(ids: ids, dedupePrefix: prefix)
        } catch {
            throw ImportError("cannot read the import's progress from the store: \(error)")
        }
        summary.delivered = counts[.done] ?? 0
        summary.replanned = running.replanned
        summary.pending = counts[.pending] ?? 0
        let others = summary.delivered - running.delivered
        let before = summary.deliveredBefore ?? others
        summary.deliveredBefore = before
        summary.deliveredElsewhere = max(0, others - before)
        summary.rejected = summary.rejected - summary.deadSeen + (counts[.dead] ?? 0)
        summary.deadSeen = counts[.dead] ?? 0
    }
}
