import BridgeCore
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads `--pipelines` while `serve` runs: on SIGHUP, on `POST /admin/reload`, and with `--watch` when a file
/// in the folder changes. A reload that fails keeps the running pipelines and logs every problem as `validate`
/// prints them; a good one swaps the whole set at once (`PipelineCatalog`). Reloads run one at a time.
actor PipelineReloader: Service, CustomStringConvertible {
    /// How one reload ended.
    struct Outcome: Sendable {
        /// Nil when it failed.
        var changes: PipelineCatalog.Changes?
        var problems: [String] = []
        var generation: Int
        /// What asked for it and when it ended (the console's overview shows the last one).
        var cause = ""
        var at = Date.distantPast
    }

    /// The last reload that ran, nil before the first.
    private(set) var last: Outcome?

    let options: BridgeOptions
    let catalog: PipelineCatalog
    /// The variables as resolved at start (what Crisp's client, the store and the admin API use).
    let startEnvironment: [String: String]
    /// Variables read at start only: a reload says so when they change.
    static let startOnlyVariables = [
        "BRIDGE_ADMIN_TOKEN", "BRIDGE_STORE_URL", "CRISP_API_URL", "CRISP_IDENTIFIER", "CRISP_KEY", "CRISP_TIER",
        "CRISP_WEBSITE_ID",
    ]
    let logger: Logger
    /// How often `--watch` looks at the folder.
    let watchInterval: Duration

    init(
        options: BridgeOptions, catalog: PipelineCatalog, startEnvironment: [String: String] = [:], logger: Logger,
        watchInterval: Duration = .seconds(1)
    ) {
        self.options = options
        self.catalog = catalog
        self.startEnvironment = startEnvironment
        self.logger = logger
        self.watchInterval = watchInterval
    }

    nonisolated var description: String { "PipelineReloader" }

    /// The reload running or last run: the next one waits for it (one at a time, though a reload awaits its
    /// tests).
    private var latest: Task<Outcome, Never>?

    /// Loads the folder again and swaps it in when it is valid — and, with `test` (or `--test-on-reload`),
    /// when every case of its test files passes. `cause` says what asked (for the log).
    @discardableResult
    func reload(cause: String, test: Bool = false) async -> Outcome {
        let previous = latest
        let next = Task {
            _ = await previous?.value
            var outcome = await self.perform(cause: cause, test: test)
            outcome.cause = cause
            outcome.at = self.options.clock.now()
            self.keep(outcome)
            return outcome
        }
        latest = next
        return await next.value
    }

    private func keep(_ outcome: Outcome) { last = outcome }

    private func perform(cause: String, test: Bool) async -> Outcome {
        let pipelines: [Pipeline]
        let environment: [String: String]
        do {
            (pipelines, environment) = try Bridge.checkedPipelines(options, logger: logger)
            if test || options.testOnReload { try await Self.runTests(in: options.pipelines, logger: logger) }
        } catch {
            for problem in error.problems { logger.error("\(problem)") }
            logger.error(
                "reload (\(cause)) failed: \(error.problems.count) problem(s) in \(options.pipelines)\(options.environmentFiles.isEmpty ? "" : " or the --env-file(s)"); the running pipelines stay as they were"
            )
            BridgeMetrics.reload(outcome: "failed")
            return Outcome(changes: nil, problems: error.problems, generation: catalog.current.generation)
        }
        let startOnly = Self.startOnlyVariables.filter { startEnvironment[$0] != environment[$0] }
        if !startOnly.isEmpty {
            logger.warning(
                "reload (\(cause)): \(startOnly.joined(separator: ", ")) changed, but \(startOnly.count == 1 ? "it is" : "they are") read at start only: restart serve to use the new value"
            )
        }
        let changes = catalog.replace(with: pipelines, environment: environment)
        let versions = pipelines.sorted { $0.name < $1.name }.map { "\($0.name)@\($0.version)" }
        logger.notice(
            "reload (\(cause)): \(changes.summary); serving \(versions.joined(separator: ", "))")
        for name in changes.removed {
            logger.notice(
                "pipeline \(name) was removed: its route is gone; its stored events are still delivered with its last version until this serve stops"
            )
        }
        BridgeMetrics.reload(outcome: changes.isEmpty ? "unchanged" : "reloaded")
        return Outcome(changes: changes, generation: catalog.current.generation)
    }

    /// Runs the test files of `folder` (as `crisp-bridge test` does) and throws every failing case as a problem.
    static func runTests(in folder: String, logger: Logger) async throws(Bridge.StartupError) {
        let report = await TestRunner.run(paths: [folder])
        var problems = report.diagnostics.filter { $0.severity == .error }.map(\.description)
        for result in report.results where !result.passed {
            let why =
                result.problem ?? result.refusal.map { "the request was \($0)" }
                ?? "the result differs from expect: \(result.differences.map(\.description).joined(separator: "; "))"
            problems.append("\(result.location): test '\(result.name)' fails: \(why)")
        }
        guard problems.isEmpty else {
            throw Bridge.StartupError(
                description: problems.joined(separator: "\n") + "\n\(problems.count) test problem(s)",
                problems: problems)
        }
        logger.info("tests before the reload: \(report.passed) case(s) passed")
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) {
                    await self.reload(cause: "SIGHUP")
                }
            }
            if options.watch {
                group.addTask { await self.watch() }
            }
            await cancelWhenGracefulShutdown { try? await gracefulShutdown() }
            group.cancelAll()
        }
    }

    /// Looks at the folder's files (names, sizes, modification times) every `watchInterval` and reloads when
    /// they changed.
    private func watch() async {
        logger.info("watching \(options.pipelines) for changes (--watch)")
        var seen = Self.fingerprint(of: options.pipelines)
        var changing: [String: String]?
        while !Task.isCancelled {
            try? await Task.sleep(for: watchInterval)
            let now = Self.fingerprint(of: options.pipelines)
            // A change is loaded once the files stayed the same for one look: an editor or a copy still writing
            // a file is not caught half-way.
            if now == seen {
                changing = nil
            } else if now == changing {
                seen = now
                changing = nil
                await reload(cause: "a file changed")
            } else {
                changing = now
            }
        }
    }

    /// What `--watch` compares: each YAML file's name, size and modification time.
    static func fingerprint(of folder: String) -> [String: String] {
        let manager = FileManager.default
        var out: [String: String] = [:]
        let files = (try? PipelineLoader.pipelineFiles(in: [folder])) ?? []
        for file in files {
            let attributes = try? manager.attributesOfItem(atPath: file)
            let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            out[file] = "\(size)@\(modified)"
        }
        return out
    }
}
