import ArgumentParser
import BridgeCore
import Foundation

/// `crisp-bridge validate [PATH...]`: load every pipeline and test file and report every problem.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check pipelines and their test files; print every problem as file:line:col.")

    @Argument(help: "Pipeline files or folders (default: pipelines).")
    var paths: [String] = ["pipelines"]

    func run() async throws {
        let result = PipelineLoader.load(paths: paths)
        var diagnostics = result.diagnostics
        // An unset variable stops `serve`; here it is a warning, as CI often lacks the secrets.
        let environment = ProcessInfo.processInfo.environment
        diagnostics += result.pipelines.flatMap { $0.unsetEnvironment(environment, severity: .warning) }
        var testFiles: [String] = []
        do {
            testFiles = try PipelineLoader.testFiles(in: paths)
        } catch {}
        for file in testFiles where !result.files.contains(file) {
            diagnostics += TestSuiteLoader.load(file: file).1
        }
        DiagnosticPrinter.print(diagnostics)
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.filter { $0.severity == .warning }.count
        if errors > 0 {
            DiagnosticPrinter.printError(
                "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
            throw ExitCode.failure
        }
        print(
            "\(result.pipelines.count) pipeline\(result.pipelines.count == 1 ? "" : "s") and \(testFiles.count) test file\(testFiles.count == 1 ? "" : "s") valid"
                + (warnings > 0 ? " (\(warnings) warning\(warnings == 1 ? "" : "s"))" : ""))
    }
}
