import ArgumentParser
import BridgeCore
import BridgeStore
import Foundation

/// `crisp-bridge diff OLD.yaml NEW.yaml (--recordings PATH… | --store URL [--last N])`: the effect of a change
/// to a pipeline on recorded or stored requests, per event, in the diff format of `test`.
struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan recorded or stored requests with two versions of a pipeline and show what changes.",
        discussion: """
            Every request is planned with OLD and NEW (same environment, same recorded fetch answers); per event, \
            only what changes in the Crisp operations is printed, as `test` prints a failing case (OLD before, \
            NEW after), then a summary: `37 events: 12 changed, 25 same, 0 newly failing`.
            --recordings takes recording files or folders (their *.yaml recordings; others are not recordings); \
            recordings of another route than the pipeline's are left out. --store (or --last) takes the \
            pipeline's last stored requests (by OLD's name); their fetch calls were not recorded, so an event \
            that fetches needs --fetch answers, else it counts as "without a fetch answer".
            Exit status: 1 when an event that planned (or was skipped) before now fails, a request OLD took is \
            now refused, a pipeline does not load or a recording cannot be read; 0 otherwise.
            """)

    @Argument(help: "The pipeline as it is (the old version).")
    var old: String

    @Argument(help: "The changed pipeline (the new version).")
    var new: String

    @Option(
        name: .customLong("recordings"),
        help: "A recording, or a folder searched for *.yaml recordings (repeatable).")
    var recordings: [String] = []

    @OptionGroup var store: Events.StoreOption

    @Option(help: "With the store: how many of the pipeline's last stored requests to plan (default 100).")
    var last: Int?

    @Option(
        name: .customLong("fetch"),
        help: "An answer for fetch calls a request has none recorded for, as NAME=FILE (repeat NAME: in call order).")
    var fetches: [String] = []

    @Option(
        name: .customLong("env"),
        help: "An environment value, as K=V (repeatable); the process environment is used too.")
    var environment: [String] = []

    @Option(help: "The public base URL senders call, for senders that sign the URL (HubSpot v3).")
    var publicURL: String?

    @Flag(help: "Do not check the senders' signatures of recordings (those `serve --record` wrote never are).")
    var noVerify = false

    /// Whether requests come from the store: `--store` or `--last` given.
    private var fromStore: Bool { store.store != nil || last != nil }

    func validate() throws {
        if recordings.isEmpty && !fromStore {
            throw ValidationError("give --recordings PATH (recordings) or --store URL / --last N (stored requests)")
        }
        if let last, last < 1 { throw ValidationError("--last takes a number of requests, at least 1") }
    }

    func run() async throws {
        let (before, oldDiagnostics) = PipelineLoader.load(file: old)
        let (after, newDiagnostics) = PipelineLoader.load(file: new)
        DiagnosticPrinter.print((oldDiagnostics + newDiagnostics).filter { $0.severity == .error })
        guard let before, let after else { throw ExitCode.failure }

        var diff = PipelineDiff(
            before: before, after: after, environment: try CommandLineValues.environment(environment),
            publicURL: publicURL)
        diff.fetches = try CommandLineValues.fetchAnswers(fetches)
        diff.verifySignatures = !noVerify

        let found = diff.recordings(at: recordings)
        var inputs = found.inputs
        if fromStore {
            let opened = try await store.open()
            let stored: [StoredRequest]
            do {
                stored = try await opened.recentRequests(pipeline: before.name, limit: last ?? 100)
            } catch {
                DiagnosticPrinter.printError("\(error)")
                throw ExitCode.failure
            }
            if stored.isEmpty {
                DiagnosticPrinter.printError("note: the store holds no request of the pipeline \(before.name)")
            }
            inputs += stored.map {
                PipelineDiff.Input(name: "stored request \($0.id)", request: $0.webhook, verified: true)
            }
        }
        var report = await diff.run(inputs)
        report.otherRoutes = found.otherRoutes
        report.diagnostics = found.diagnostics
        DiagnosticPrinter.print(report.diagnostics)
        for request in report.requests { printChanges(of: request) }
        if !report.otherRoutes.isEmpty {
            DiagnosticPrinter.printError(
                "note: \(report.otherRoutes.count) recording(s) of other routes left out "
                    + "(the pipeline's route is \(after.trigger.path))")
        }
        print(report.summary)
        if report.somethingNewlyFails || report.diagnostics.hasErrors { throw ExitCode.failure }
    }

    /// Prints what changed in one request: its changed events with where they differ, or what happened to the
    /// whole request. Events that stay the same print nothing.
    private func printChanges(of result: PipelineDiff.RequestResult) {
        let name = result.input.name
        switch result.change {
        case .compared:
            for event in result.events where event.change != .same {
                print("\(event.change.rawValue.uppercased()) \(name) › event \(event.index + 1) (\(event.id))")
                for difference in event.differences {
                    print(
                        "    "
                            + difference.description(expected: "before", actual: "after").split(separator: "\n")
                            .joined(separator: "\n    "))
                }
                if let reason = event.unansweredFetch {
                    print("    \(reason)")
                    print("    (give answers with --fetch NAME=FILE, or record the request with serve --record)")
                }
            }
        case .newlyRefused:
            print("NEWLY REFUSED \(name)")
            print("    before: \(summary(of: result.before))")
            print("    after:  \(summary(of: result.after))\(hint(result))")
        case .newlyAccepted:
            print("NEWLY ACCEPTED \(name)")
            print("    before: \(summary(of: result.before))\(hint(result))")
            print("    after:  \(summary(of: result.after))")
        case .refusedDifferently:
            print("REFUSED DIFFERENTLY \(name)")
            print("    before: \(summary(of: result.before))")
            print("    after:  \(summary(of: result.after))\(hint(result))")
        case .refusedByBoth:
            if case .handshake = result.after { return }
            print("REFUSED BY BOTH \(name): \(summary(of: result.after))\(hint(result))")
        }
    }

    /// One line for a request's outcome: `refused 401: reason`, `handshake`, or how its events came out.
    private func summary(of outcome: RequestOutcome) -> String {
        switch outcome {
        case .rejected(let status, let reason): return "refused \(status): \(reason)"
        case .handshake: return "the sender's handshake (nothing delivered)"
        case .events(let events):
            var planned = 0
            var skipped = 0
            var failed = 0
            for event in events {
                switch event.status {
                case .planned: planned += 1
                case .skipped: skipped += 1
                case .failed: failed += 1
                }
            }
            return "\(events.count) event(s): \(planned) planned, \(skipped) skipped, \(failed) failed"
        }
    }

    /// The variables a refusing version reads that are not set, as a hint after the refusal.
    private func hint(_ result: PipelineDiff.RequestResult) -> String {
        result.unsetVariables.isEmpty
            ? "" : " (not in the environment: \(result.unsetVariables.joined(separator: ", ")))"
    }
}
