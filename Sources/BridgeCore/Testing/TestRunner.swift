import Foundation

/// Runs test files: each case's request goes through its pipeline with recorded fetch answers, and what
/// comes out is compared with the expectation.
public enum TestRunner {
    /// The result of one case.
    public struct CaseResult: Sendable {
        public let file: String
        public let name: String
        public let location: SourceLocation
        public let passed: Bool
        public let differences: [JSONDiff.Difference]
        /// What the pipeline produced, in the shape of an expectation.
        public let actual: JSONValue
        /// Why the case failed when it is not a difference (no expectation written, pipeline did not load…).
        public let problem: String?
        let testCase: TestSuite.Case?
        /// When the pipeline refused the request: why (as `serve` logs it), e.g. a secret missing from `env:`.
        public var refusal: String? = nil
        /// The warnings the case's events gave (values a rule left out), with their places.
        public var warnings: [String] = []
        /// The case failed because of its own set-up (a `verify:` setting left empty by its `env:`), not its
        /// expectation: `--update` leaves it alone, as writing the refusal down would make it pass.
        public var failedBySetUp = false

        /// Whether the case writes `expect_warnings:` (its warnings are checked, not only shown).
        public var expectsWarnings: Bool { testCase?.expectedWarnings != nil }

        /// Whether `--update` rewrites this case's expectation: it failed on its expectation, not its set-up.
        public var updatable: Bool { !passed && testCase != nil && !failedBySetUp }
    }

    /// Everything a run found: case results, and load problems of test files and pipelines.
    public struct Report: Sendable {
        public var results: [CaseResult] = []
        public var diagnostics: [Diagnostic] = []
        public var passed: Int { results.filter(\.passed).count }
        public var failed: Int { results.count - passed }
    }

    /// Runs every test file found at `paths`.
    public static func run(paths: [String]) async -> Report {
        var report = Report()
        let files: [String]
        do {
            files = try PipelineLoader.testFiles(in: paths)
        } catch {
            report.diagnostics.append(
                Diagnostic(
                    .error, error.message, at: SourceLocation(file: paths.joined(separator: " "), line: 1, column: 1)))
            return report
        }
        var pipelines: [String: (Pipeline?, [Diagnostic])] = [:]
        for file in files {
            let (suite, diagnostics) = TestSuiteLoader.load(file: file)
            report.diagnostics += diagnostics
            guard let suite else {
                report.results.append(
                    CaseResult(
                        file: file, name: "(test file)", location: SourceLocation(file: file, line: 1, column: 1),
                        passed: false, differences: [], actual: .null, problem: "the test file has errors",
                        testCase: nil))
                continue
            }
            if pipelines[suite.pipelineFile] == nil {
                let loaded = PipelineLoader.load(file: suite.pipelineFile)
                pipelines[suite.pipelineFile] = loaded
                report.diagnostics += loaded.1.filter { $0.severity == .error }
            }
            guard let pipeline = pipelines[suite.pipelineFile]?.0 else {
                for c in suite.cases {
                    report.results.append(
                        CaseResult(
                            file: file, name: c.name, location: c.location, passed: false, differences: [],
                            actual: .null,
                            problem: "the pipeline \(suite.pipelineFile) does not load", testCase: c))
                }
                continue
            }
            report.results += await run(suite, pipeline: pipeline)
        }
        return report
    }

    /// Runs the cases of one suite against its loaded pipeline.
    public static func run(_ suite: TestSuite, pipeline: Pipeline) async -> [CaseResult] {
        var results: [CaseResult] = []
        for c in suite.cases {
            var answers = c.fetches
            if let poll = c.poll { answers["poll"] = poll }
            let fetcher = RecordedFetcher(sequences: answers, repeating: c.repeatingFetches)
            var context = TransformContext(
                environment: c.environment, fetcher: fetcher, verifySignatures: c.verifySignatures, now: c.now,
                publicURL: c.publicURL
            )
            context.secretNames = pipeline.secretNames(environment: c.environment)
            var outcome: RequestOutcome
            var cursorDifference: JSONDiff.Difference?
            if c.poll != nil {
                do throws(PollFailure) {
                    let polled = try await pipeline.poll(
                        cursor: c.cursor, context: context, now: c.now ?? Date(), pause: { _ in })
                    outcome = await pipeline.plan(items: polled.items, context: context)
                    if let expected = c.expectedCursor, expected != polled.cursor {
                        cursorDifference = JSONDiff.Difference(
                            path: [.key("cursor")], expected: expected, actual: polled.cursor)
                    }
                } catch {
                    outcome = .rejected(status: error.status ?? 0, reason: error.reason)
                }
            } else {
                outcome = await pipeline.run(c.request, context: context)
            }
            if let expected = c.expectedIDs, case .events(let events) = outcome {
                let ids = JSONValue.array(events.map { .string($0.id) })
                if expected != ids {
                    cursorDifference = JSONDiff.Difference(path: [.key("ids")], expected: expected, actual: ids)
                }
            }
            let warnings: [String] = if case .events(let events) = outcome { events.flatMap(\.warnings) } else { [] }
            let warningDifference = c.expectedWarnings.flatMap {
                Self.warningDifference(expected: $0, actual: warnings)
            }
            let actual = outcome.expectationJSON
            var refusal: String?
            if case .rejected(let status, let reason) = outcome {
                refusal = "refused \(status): \(reason)"
                var unset: [String] = []
                for reference in pipeline.environmentReferences
                where !reference.hasDefault && c.environment[reference.name] == nil && !unset.contains(reference.name) {
                    unset.append(reference.name)
                }
                if !unset.isEmpty { refusal! += " (not in the test's env: \(unset.joined(separator: ", ")))" }
            }
            guard let expected = c.expected else {
                results.append(
                    CaseResult(
                        file: suite.file, name: c.name, location: c.location, passed: false, differences: [],
                        actual: actual, problem: "no expect: written (run with --update to record what it gives now)",
                        testCase: c, refusal: refusal))
                continue
            }
            let differences =
                JSONDiff.differences(
                    expected: expected, actual: Self.refusalAsWritten(actual, expected), subset: c.subset)
                + [cursorDifference, warningDifference]
                .compactMap { $0 }
            // A bare `{rejected: N}` says nothing of why: a refusal caused by the case's own set-up (a secret
            // missing from `env:`) must not pass for the refusal the case is about.
            var problem: String?
            // (A verified recording's signature is not checked, so an empty setting cannot be why it was refused.)
            if differences.isEmpty, c.verifySignatures, case .rejected = outcome, expected["reason"] == .null,
                case let unset = pipeline.emptyVerifySettings(environment: c.environment), !unset.isEmpty
            {
                problem =
                    "refused because verify setting(s) \(unset.joined(separator: ", ")) are empty with the test's env: "
                    + "set them in `env:`, or write the refusal's `reason:` if that is what the case is about"
            }
            results.append(
                CaseResult(
                    file: suite.file, name: c.name, location: c.location,
                    passed: differences.isEmpty && problem == nil,
                    differences: differences, actual: actual, problem: problem, testCase: c, refusal: refusal,
                    warnings: warnings, failedBySetUp: problem != nil))
        }
        return results
    }

    /// How the warnings differ from `expect_warnings:` (each a whole warning without its place, or
    /// `{contains: text}`, in order), or nil when they match.
    static func warningDifference(expected: JSONValue, actual warnings: [String]) -> JSONDiff.Difference? {
        let shown = warnings.map(ExpectationWriter.withoutLocation)
        let matches: Bool
        if case .array(let items) = expected, items.count == shown.count {
            matches = zip(items, shown).allSatisfy { item, warning in
                if let part = item["contains"].stringValue { return warning.contains(part) }
                return item.stringValue == warning
            }
        } else {
            matches = false
        }
        guard !matches else { return nil }
        return JSONDiff.Difference(
            path: [.key("warnings")], expected: expected, actual: .array(shown.map { .string($0) }))
    }

    /// `actual` as the expectation writes a refusal: without its reason where `{rejected: N}` gives none, and
    /// with the expected `{contains: text}` where its reason contains that text.
    static func refusalAsWritten(_ actual: JSONValue, _ expected: JSONValue) -> JSONValue {
        guard case .object(var refused) = actual, refused["rejected"] != .null,
            case .object(let written) = expected, written["rejected"] != nil
        else { return actual }
        switch written["reason"] {
        case nil:
            refused["reason"] = nil
        case .object(let o)?:
            if let part = o["contains"]?.stringValue, refused["reason"]?.stringValue?.contains(part) == true {
                refused["reason"] = .object(o)
            }
        default:
            break
        }
        return .object(refused)
    }
}
