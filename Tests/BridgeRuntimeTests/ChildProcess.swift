import Foundation

/// A `crisp-bridge` process started by a test, its output in a file, stopped when the test ends.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let outputPath: String

    /// The `crisp-bridge` built next to this test runner.
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "crisp-bridge"
        ).path
    }

    init(_ arguments: [String], environment: [String: String] = [:], workingDirectory: String? = nil) throws {
        outputPath = NSTemporaryDirectory() + "crisp-bridge-child-" + UUID().uuidString + ".log"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Waits until the output has a line matching `pattern` and returns the first capture group.
    func waitFor(_ pattern: String, timeout: Duration = .seconds(20)) async throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            // Whether it still runs is read before the output, so a line written just before it ended is seen.
            let running = process.isRunning
            if let found = Self.firstCapture(of: regex, in: output) { return found }
            if !running {
                throw ChildProcessError(
                    message: "no line matching \(pattern); the process ended (\(ending)) after writing:\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        // A last look: on a loaded machine the wait itself can overrun the deadline (the line came meanwhile).
        if let found = Self.firstCapture(of: regex, in: output) { return found }
        throw ChildProcessError(message: "no line matching \(pattern) after \(timeout) in:\n\(output)")
    }

    /// How the process ended, for an error message.
    private var ending: String {
        guard !process.isRunning else { return "still running" }
        let reason = process.terminationReason == .uncaughtSignal ? "signal" : "exit status"
        return "\(reason) \(process.terminationStatus)"
    }

    /// The first capture group of the first match, "" for a match without one, nil for no match.
    private static func firstCapture(of regex: NSRegularExpression, in text: String) -> String? {
        guard let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        if match.numberOfRanges > 1, let range = Range(match.range(at: 1), in: text) { return String(text[range]) }
        return ""
    }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to exit; returns its status.
    func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning {
            if clock.now > deadline { throw ChildProcessError(message: "still running after \(timeout)") }
            try await Task.sleep(for: .milliseconds(25))
        }
        return process.terminationStatus
    }

    func stop() {
        signal(SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: outputPath)
    }
}

struct ChildProcessError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
