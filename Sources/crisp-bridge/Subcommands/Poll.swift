import ArgumentParser
import BridgeCore
import BridgeRuntime
import BridgeStore
import Foundation
import Logging

/// `crisp-bridge poll`: where the `trigger.poll` pipelines stand, or one poll run by hand.
struct Poll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show where the poll pipelines stand, or run one poll now (--once).",
        discussion: """
            Without --once: each poll pipeline's cursor, last and next poll, and failures, from the store.
            With PIPELINE --once: one poll now, whatever the schedule; the new items are stored as events and the
            cursor moves, in one transaction (serve delivers them). With --dry-run, the items found are planned
            and printed as `plan` prints events (JSON lines); nothing is stored and the cursor does not move.
            """)

    @Argument(help: "The poll pipeline (its name in --pipelines).")
    var pipeline: String?

    @Flag(help: "Run one poll now.")
    var once = false

    @Flag(help: "With --once: plan the items found and print them; store nothing.")
    var dryRun = false

    @Option(help: "Set the pipeline's cursor (JSON: 42, '\"2025-06-12T09:00:00Z\"'); the next poll asks from there.")
    var setCursor: String?

    @Flag(help: "Forget the pipeline's cursor: the next poll is its first again (start: now or beginning applies).")
    var resetCursor = false

    @Option(help: "The folder of pipelines.")
    var pipelines = "pipelines"

    @Option(
        help:
            "The store: sqlite:PATH or postgres://… (default: BRIDGE_STORE_URL, else sqlite:.crisp-bridge/bridge.sqlite)."
    )
    var store: String?

    func validate() throws {
        if once, pipeline == nil {
            throw ValidationError("--once needs the pipeline to poll: crisp-bridge poll NAME --once")
        }
        if dryRun, !once { throw ValidationError("--dry-run goes with --once") }
        if setCursor != nil || resetCursor {
            guard pipeline != nil else { throw ValidationError("--set-cursor and --reset-cursor need the pipeline") }
            guard !(setCursor != nil && resetCursor), !once else {
                throw ValidationError("give one of --set-cursor, --reset-cursor and --once")
            }
        }
    }

    func run() async throws {
        let spec =
            store ?? ProcessInfo.processInfo.environment["BRIDGE_STORE_URL"] ?? "sqlite:.crisp-bridge/bridge.sqlite"
        if let name = pipeline, setCursor != nil || resetCursor {
            var cursor: JSONValue?
            if let setCursor {
                do {
                    cursor = try JSONValue.parse(setCursor)
                } catch {
                    throw ValidationError(
                        "--set-cursor takes JSON (a number, or text in double quotes): \(error.message)")
                }
            }
            let opened = try await open(spec, create: true)
            try await opened.setPollCursor(pipeline: name, cursor: cursor)
            print(
                cursor.map { "\(name): cursor set to \($0.jsonText); the next poll asks from there" }
                    ?? "\(name): cursor forgotten; the next poll is a first poll again")
            return
        }
        guard once, let name = pipeline else {
            let opened = try await open(spec, create: false)
            let states = try await opened.pollStates().filter { pipeline == nil || $0.pipeline == pipeline }
            if states.isEmpty { print("no poll has run yet\(pipeline.map { " for \($0)" } ?? "")") }
            for state in states { print(state.summary) }
            return
        }
        let loaded = PipelineLoader.load(paths: [pipelines])
        let errors = loaded.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else {
            for error in errors { DiagnosticPrinter.printError(error.description) }
            throw ExitCode.failure
        }
        guard let found = loaded.pipelines.first(where: { $0.name == name }) else {
            let polled = loaded.pipelines.filter { $0.trigger.poll != nil }.map(\.name)
            DiagnosticPrinter.printError(
                "no pipeline named \(name) in \(pipelines) (poll pipelines there: \(polled.isEmpty ? "none" : polled.joined(separator: ", ")))"
            )
            throw ExitCode.failure
        }
        guard found.trigger.poll != nil else {
            DiagnosticPrinter.printError("pipeline \(name) has no trigger.poll: it is not polled")
            throw ExitCode.failure
        }
        let environment = ProcessInfo.processInfo.environment
        let unset = found.unsetEnvironment(environment, severity: .error)
        guard unset.isEmpty else {
            for problem in unset { DiagnosticPrinter.printError(problem.description) }
            throw ExitCode.failure
        }
        let fetcher = HTTPFetcher()
        let context = TransformContext(environment: environment, fetcher: fetcher, verifySignatures: false)
        let tokens = ServiceAccountTokens(fetcher: fetcher)
        do {
            if dryRun {
                try await dryRun(found, spec: spec, context: context, tokens: tokens)
            } else {
                try await pollOnce(found, spec: spec, context: context, tokens: tokens)
            }
        } catch {
            try? await fetcher.shutdown()
            throw error
        }
        try? await fetcher.shutdown()
    }

    private func pollOnce(
        _ pipeline: Pipeline, spec: String, context: TransformContext, tokens: ServiceAccountTokens
    ) async throws {
        let opened = try await open(spec, create: true)
        let before = try await opened.pollStates().first { $0.pipeline == pipeline.name }
        var logger = Logger(label: "crisp-bridge")
        logger.logLevel = .error
        let poller = try Poller(
            pipeline: pipeline, store: opened, context: context, tokens: tokens, owner: Poller.instanceName(),
            logger: logger)
        let (report, _) = try await poller.pollIfDue(force: true)
        guard let report else {
            DiagnosticPrinter.printError(
                "\(pipeline.name) is being polled by another instance right now (\(before?.leaseOwner ?? "?")); try again when it is done"
            )
            throw ExitCode.failure
        }
        if let failure = report.failure {
            DiagnosticPrinter.printError(
                "the poll failed; the cursor stays \(before?.cursor?.jsonText ?? "unset"): \(failure.reason)")
            throw ExitCode.failure
        }
        let result = report.result ?? PollResult()
        for item in report.stored {
            print("\(item.eventID)\t\(item.duplicate ? "seen before" : "stored")\t\(item.dedupeID)")
        }
        let new = report.stored.filter { !$0.duplicate }.count
        var summary =
            "\(result.found) item(s) listed in \(result.requests) request(s); \(new) new stored as events"
        if result.onlyRecorded { summary += " (first poll with start: now: only the cursor was recorded)" }
        summary += "; cursor \(before?.cursor?.jsonText ?? "unset") → \(result.cursor.jsonText)"
        if result.morePages { summary += "; more pages remain: the next poll goes on from here" }
        if new > 0 { summary += "; `crisp-bridge serve` delivers them" }
        print(summary)
    }

    private func dryRun(
        _ pipeline: Pipeline, spec: String, context: TransformContext, tokens: ServiceAccountTokens
    ) async throws {
        var cursor: JSONValue?
        if let opened = try? await Bridge.openStore(spec, create: false, poolSize: 2) {
            cursor = try await opened.pollStates().first { $0.pipeline == pipeline.name }?.cursor
        }
        var authorization: String?
        do {
            if let keyFile = try pipeline.serviceAccountKeyFile(environment: context.environment),
                let scopes = pipeline.trigger.poll?.serviceAccount?.scopes
            {
                authorization = try await tokens.authorization(keyFile: keyFile, scopes: scopes)
            }
            let result = try await pipeline.poll(cursor: cursor, context: context, authorization: authorization)
            guard case .events(let events) = await pipeline.plan(items: result.items, context: context) else { return }
            var output = LineWriter()
            for event in events { output.write(plan: event) }
            output.flush()
            var summary =
                "note: \(result.found) item(s) listed in \(result.requests) request(s), \(result.items.count) to deliver; cursor \(cursor?.jsonText ?? "unset") → \(result.cursor.jsonText) (dry run: nothing stored)"
            if result.onlyRecorded {
                summary += "; this is the first poll and start is now: it would only record the cursor"
            }
            DiagnosticPrinter.printError(summary)
        } catch let failure as PollFailure {
            DiagnosticPrinter.printError("the poll failed: \(failure.reason)")
            throw ExitCode.failure
        } catch let error as BridgeCoreError {
            DiagnosticPrinter.printError(error.description)
            throw ExitCode.failure
        }
    }

    private func open(_ spec: String, create: Bool) async throws -> any BridgeStore {
        do {
            return try await Bridge.openStore(spec, create: create, poolSize: 2)
        } catch {
            DiagnosticPrinter.printError("\(error)")
            throw ExitCode.failure
        }
    }
}
