import Foundation
import Testing

/// `scripts/bench --quick` runs every scenario on tiny sizes with the debug build next to this test runner and
/// writes its figures as JSON. (Benchmarks are not tests: this checks only that the command works.)
@Suite struct BenchScriptTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Whether `wrk` is on PATH, the way `scripts/bench` looks for it (`shutil.which`).
    static var wrkIsInstalled: Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/wrk") }
    }

    @Test func quickRunWritesEveryScenarioAsJSON() async throws {
        // Without wrk (a Debian package) scripts/bench skips its intake and end-to-end scenarios, and 8 of the
        // figures below would go unchecked: that is a failure to fix, not a pass. scripts/test.sh installs it.
        try #require(
            Self.wrkIsInstalled, "wrk is not installed (scripts/bench would skip 8 figures): apt-get install -y wrk")
        let json = NSTemporaryDirectory() + "crisp-bridge-bench-" + UUID().uuidString + ".json"
        defer { try? FileManager.default.removeItem(atPath: json) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.repository + "/scripts/bench")
        process.arguments = [
            "--quick", "--no-build", "--bin",
            URL(fileURLWithPath: ChildProcess.binary).deletingLastPathComponent().path,
            "--json", json,
        ]
        // The output goes to a file and the run is waited for by polling: a blocking read or wait would hold one of
        // the test runner's few threads for the whole run and stall the tests running beside it.
        let logPath = json + ".log"
        defer { try? FileManager.default.removeItem(atPath: logPath) }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        try #require(process.terminationStatus == 0, "scripts/bench --quick failed:\n\(output)")

        let figures = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        func number(_ path: String) -> Double? {
            var value: Any? = figures
            for key in path.split(separator: ".") { value = (value as? [String: Any])?[String(key)] }
            return (value as? NSNumber)?.doubleValue
        }
        for path in [
            "transform.plan.events_per_s", "transform.library.events_per_s", "transform.plan.peak_rss_bytes",
            "transform.per_event.pipeline_verified_events_per_s", "transform.per_event.hand_written_events_per_s",
            "memory.plan_peak_rss_bytes", "startup.serve_to_readyz_ms", "startup.bare_route_to_first_answer_ms",
        ] {
            let value = try #require(number(path), "\(path) is missing or not a number:\n\(output)")
            #expect(value > 0, "\(path) is \(value)")
        }
        #expect(figures["transform"].flatMap { ($0 as? [String: Any])?["outputs_equal"] as? Bool } == true)
        // The scenarios that run wrk (checked above to be installed): never skipped.
        for path in [
            "intake.sqlite.acks_per_s", "intake.sqlite.bare_route_req_per_s", "intake.sqlite.ratio_to_bare_route",
            "intake.sqlite.fixed_rate.p99_ms", "memory.serve_idle_rss_bytes",
            "memory.serve_peak_rss_under_intake_bytes", "end_to_end.deliveries_per_s",
            "end_to_end.crisp_calls_per_event",
        ] {
            let value = try #require(number(path), "\(path) is missing or not a number:\n\(output)")
            #expect(value > 0, "\(path) is \(value)")
        }
    }
}
