import ArgumentParser
import BridgeCore

/// `crisp-bridge test [PATH...] [--update]`: run recorded-payload tests; end with `N passed, N failed` (with
/// `--update`, `N passed, N updated, N failed`: exit 0 when every failing case was updated).
struct Test: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run pipeline tests: recorded requests in, expected Crisp operations out.")

    @Argument(help: "Test files or folders searched for *.test.yaml (default: pipelines).")
    var paths: [String] = ["pipelines"]

    @Flag(
        help:
            "Rewrite the expectations of failing cases with what the pipelines give now (exits 0 when every failing case was updated)."
    )
    var update = false

    func run() async throws {
        let report = await TestRunner.run(paths: paths)
        DiagnosticPrinter.print(report.diagnostics)
        for result in report.results {
            let label = "\(result.file) › \(result.name)"
            if result.passed {
                print("PASS \(label)")
                // Warnings the case does not expect are shown, so that a value left out is seen.
                if !result.expectsWarnings {
                    for warning in result.warnings { print("  warning: \(warning)") }
                }
                continue
            }
            print("FAIL \(label)")
            if let problem = result.problem { print("  \(result.location): \(problem)") }
            if !result.differences.isEmpty {
                print("  \(result.location): the result differs from expect:")
                for d in result.differences {
                    print("    " + d.description.split(separator: "\n").joined(separator: "\n    "))
                }
            }
            if let refusal = result.refusal { print("  \(result.location): the request was \(refusal)") }
        }
        // With --update, a failing case whose expect: was rewritten is updated, not failed: the run did what it
        // was asked. What could not be updated (a set-up failure, a file that did not load) still fails.
        var failed = report.failed
        if update {
            let changed = try ExpectationWriter.update(report.results)
            for file in changed { print("updated \(file)") }
            for result in report.results where result.failedBySetUp {
                print("not updated: \(result.file) › \(result.name) (fix its env: rather than its expect:)")
            }
            let updated = report.results.filter(\.updatable).count
            failed -= updated
            print("updated \(updated) case(s) in \(changed.count) file(s)")
            print("\(report.passed) passed, \(updated) updated, \(failed) failed")
        } else {
            print("\(report.passed) passed, \(report.failed) failed")
        }
        if report.results.isEmpty {
            // Nothing run is not a pass: a wrong path or an empty folder would otherwise look green.
            if !report.diagnostics.hasErrors {
                DiagnosticPrinter.printError(
                    "error: no test case found in \(paths.joined(separator: " ")) (test files are named *.test.yaml)")
            }
            throw ExitCode.failure
        }
        if failed > 0 { throw ExitCode.failure }
    }
}
