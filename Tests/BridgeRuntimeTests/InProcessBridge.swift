import BridgeCore
import BridgeRuntime
import BridgeStore
import Foundation
import Logging
import NIOHTTP1

/// The whole bridge — intake, worker, the built-in sandbox as Crisp — started in the test's own process
/// (`Bridge.start`), on free loopback ports, with a temporary store. For runtime tests where a real process is
/// not the point (crashes and signals are): no process to spawn, and failures show in the test's own output.
struct InProcessBridge {
    let folder: String
    let running: RunningBridge

    var port: Int { running.port }
    var sandboxURL: String { running.sandboxURL ?? "" }
    var store: any BridgeStore { running.store }

    /// Starts with these pipelines (name → YAML) and environment; `configure` adjusts the options (it gets the
    /// temporary folder, e.g. for `record`).
    static func start(
        pipelines: [String: String], environment: [String: String] = [:],
        configure: (inout BridgeOptions, _ folder: String) -> Void = { _, _ in }
    ) async throws -> InProcessBridge {
        let folder = NSTemporaryDirectory() + "crisp-bridge-inprocess-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/pipelines", withIntermediateDirectories: true)
        for (name, text) in pipelines {
            try text.write(toFile: folder + "/pipelines/\(name).yaml", atomically: true, encoding: .utf8)
        }
        var options = BridgeOptions()
        options.pipelines = folder + "/pipelines"
        options.port = 0
        options.sandbox = true
        options.sandboxPort = 0
        options.store = "sqlite:" + folder + "/bridge.sqlite"
        options.concurrency = 16
        options.crispRate = 2000
        options.environment = environment
        configure(&options, folder)
        var logger = Logger(label: "crisp-bridge-test")
        // CRISP_BRIDGE_TEST_LOG_LEVEL=debug shows what the bridges of the tests do.
        logger.logLevel =
            ProcessInfo.processInfo.environment["CRISP_BRIDGE_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) }
            ?? .warning
        return InProcessBridge(folder: folder, running: try await Bridge.start(options, logger: logger))
    }

    func send(_ pathAndQuery: String, body: Data, headers: [String: String], method: HTTPMethod = .POST)
        async throws -> (status: Int, contentType: String, body: String)
    {
        try await RuntimeHarness.send(port: port, pathAndQuery, body: body, headers: headers, method: method)
    }

    /// Posts to the signup pipeline (see `RuntimeHarness.signupPipeline`) with its Basic credentials.
    func post(
        _ path: String = "/hooks/signup", body: String, contentType: String = "application/json",
        password: String = RuntimeHarness.password, method: HTTPMethod = .POST
    ) async throws -> (status: Int, json: JSONValue?) {
        try await RuntimeHarness.post(
            port: port, path, body: body, contentType: contentType, password: password, method: method)
    }

    func sandboxPeople() async throws -> [String: (events: Int, data: JSONValue)] {
        try await RuntimeHarness.sandboxPeople(at: sandboxURL)
    }

    /// Polls `condition` until it holds or `timeout` passes (an error counts as not yet).
    /// `RuntimeHarness.idle`: nothing waiting or being delivered, and the sandbox answering no request.
    func idle(timeout: Duration = .seconds(30)) async throws -> Bool {
        try await RuntimeHarness.idle(store: store, sandboxURL: sandboxURL, timeout: timeout)
    }

    func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws -> Bool {
        try await RuntimeHarness.eventually(timeout: timeout, condition)
    }

    func stop() async {
        await running.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
