import Foundation

@testable import BridgeCore

/// Paths of the repository, found from this file, so tests run from any working directory.
enum Paths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let pipelines = repository + "/pipelines"
    static let fixtures = repository + "/Tests/BridgeCoreTests/Fixtures"
}

/// Evaluates an expression with named values, for tests.
func eval(_ text: String, _ values: [String: JSONValue] = [:]) throws(BridgeCoreError) -> JSONValue {
    try ExpressionLanguage.evaluate(text, values)
}

/// The first error diagnostic's message of evaluating an expression that should not compile.
func compileError(_ text: String, _ names: [String: JSONValue] = [:]) -> Diagnostic? {
    do {
        _ = try ExpressionLanguage.evaluate(text, names)
        return nil
    } catch {
        return error.diagnostics.first
    }
}

/// Loads a pipeline from text written in the test.
func loadPipeline(_ yaml: String, file: String = "test.yaml") -> (Pipeline?, [Diagnostic]) {
    PipelineLoader.load(source: SourceFile(path: file, text: yaml))
}

/// A temporary folder removed when the value is dropped... by the caller, via `defer`.
func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "crisp-bridge-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
