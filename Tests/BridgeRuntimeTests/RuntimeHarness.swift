import AsyncHTTPClient
import BridgeCore
import BridgeStore
import CrispPeople
import Foundation
import NIOCore
import NIOHTTP1

/// A sandbox process and a `serve` process delivering to it, in a temporary folder with the test pipeline.
final class RuntimeHarness: @unchecked Sendable {
    static let website = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc"
    /// A client that gives up on a refused connection at once instead of retrying until a long timeout.
    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: .init(
            timeout: .init(connect: .seconds(1), read: .seconds(30)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))
    static let password = "test-password"

    let folder: String
    var sandbox: ChildProcess?
    var serve: ChildProcess?
    var sandboxURL = ""
    var servePort = 0
    var serveArguments: [String] = []

    var storePath: String { folder + "/bridge.sqlite" }

    /// `emailExpression` is what the test pipeline uses as the email (the tests change it to "fix" the pipeline).
    init(emailExpression: String = "email(body.email)") throws {
        folder = NSTemporaryDirectory() + "crisp-bridge-runtime-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/pipelines", withIntermediateDirectories: true)
        try writePipeline(emailExpression: emailExpression)
    }

    func writePipeline(emailExpression: String) throws {
        try Self.signupPipeline(emailExpression: emailExpression).write(
            toFile: folder + "/pipelines/signup.yaml", atomically: true, encoding: .utf8)
    }

    /// The test pipeline (basic auth, one contact per request) with its email expression.
    static func signupPipeline(emailExpression: String = "email(body.email)") throws -> String {
        let fixture =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures/pipelines/signup.yaml"
        return try String(contentsOfFile: fixture, encoding: .utf8)
            .replacingOccurrences(of: "EMAIL_EXPRESSION", with: emailExpression)
    }

    /// Adds a pipeline file to the folder `serve` loads.
    func addPipeline(_ name: String, _ text: String) throws {
        try text.write(toFile: folder + "/pipelines/\(name).yaml", atomically: true, encoding: .utf8)
    }

    /// Sends raw bytes with the given headers; returns the status, the content type and the answer as text.
    func send(
        _ pathAndQuery: String, body: Data, headers: [String: String], method: HTTPMethod = .POST
    ) async throws -> (status: Int, contentType: String, body: String) {
        try await Self.send(port: servePort, pathAndQuery, body: body, headers: headers, method: method)
    }

    /// Sends raw bytes to a bridge listening on `port`.
    static func send(
        port: Int, _ pathAndQuery: String, body: Data, headers: [String: String], method: HTTPMethod = .POST
    ) async throws -> (status: Int, contentType: String, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(pathAndQuery)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (
            Int(response.status.code), response.headers.first(name: "content-type") ?? "",
            String(decoding: bytes.readableBytesView, as: UTF8.self)
        )
    }

    func startSandbox(_ flags: [String] = [], port: Int = 0) async throws {
        let process = try ChildProcess(["sandbox", "--port", String(port)] + flags)
        sandbox = process
        sandboxURL = try await process.waitFor(#"listening on (http://127\.0\.0\.1:\d+/v1/)"#)
    }

    /// Extra environment for `serve`.
    var serveEnvironment: [String: String] = [:]

    func startServe(_ flags: [String] = [], crispURL: String? = nil) async throws {
        serveArguments =
            [
                "serve", "--pipelines", folder + "/pipelines", "--port", "0", "--store", "sqlite:" + storePath,
                "--concurrency", "16", "--log-level", "notice",
            ] + (flags.contains("--crisp-rate") ? [] : ["--crisp-rate", "2000"]) + flags
        try await restartServe(crispURL: crispURL)
    }

    func restartServe(crispURL: String? = nil) async throws {
        let process = try ChildProcess(
            serveArguments,
            environment: [
                "CRISP_API_URL": crispURL ?? sandboxURL, "CRISP_WEBSITE_ID": Self.website,
                "CRISP_IDENTIFIER": "sandbox-identifier", "CRISP_KEY": "sandbox-key",
                "TEST_WEBHOOK_PASSWORD": Self.password,
            ].merging(serveEnvironment) { $1 })
        serve = process
        servePort = Int(try await process.waitFor(#"crisp-bridge listening on http://127\.0\.0\.1:(\d+)"#)) ?? 0
    }

    /// A client of the sandbox, for checking what reached "Crisp".
    func crisp() -> CrispClient {
        CrispClient(
            configuration: .init(
                baseURL: sandboxURL, websiteID: Self.website, identifier: "sandbox-identifier", key: "sandbox-key"))
    }

    /// Posts to the bridge; returns the status and the JSON answer.
    func post(
        _ path: String = "/hooks/signup", body: String, contentType: String = "application/json",
        password: String = RuntimeHarness.password, method: HTTPMethod = .POST
    ) async throws -> (status: Int, json: JSONValue?) {
        try await Self.post(
            port: servePort, path, body: body, contentType: contentType, password: password, method: method)
    }

    /// Posts to a bridge listening on `port`, with the signup pipeline's Basic credentials.
    static func post(
        port: Int, _ path: String = "/hooks/signup", body: String, contentType: String = "application/json",
        password: String = RuntimeHarness.password, method: HTTPMethod = .POST, client: HTTPClient = client
    ) async throws -> (status: Int, json: JSONValue?) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(
            name: "Authorization", value: "Basic " + Data("test:\(password)".utf8).base64EncodedString())
        if method != .GET { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), try? JSONValue.parse(Data(bytes.readableBytesView)))
    }

    /// A GET (or another method) of the bridge as text, with an optional bearer token.
    func text(_ path: String, method: HTTPMethod = .GET, bearer: String? = nil) async throws -> String {
        try await call(path, method: method, bearer: bearer).body
    }

    func call(_ path: String, method: HTTPMethod = .GET, bearer: String? = nil) async throws -> (
        status: Int, body: String
    ) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(servePort)\(path)")
        request.method = method
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let response = try await Self.client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 8 << 20)
        return (Int(response.status.code), String(decoding: bytes.readableBytesView, as: UTF8.self))
    }

    static func signup(_ id: String, email: String, name: String = "Ada", n: Int = 1) -> String {
        JSONValue.object(["id": .string(id), "email": .string(email), "name": .string(name), "n": .number(Double(n))])
            .jsonText
    }

    /// Polls `condition` until it holds or `timeout` passes (an error counts as not yet).
    func eventually(
        timeout: Duration = .seconds(20), _ condition: () async throws -> Bool
    ) async throws -> Bool {
        try await Self.eventually(timeout: timeout, condition)
    }

    /// Polls `condition` until it holds or `timeout` passes (an error counts as not yet).
    static func eventually(
        timeout: Duration = .seconds(20), _ condition: () async throws -> Bool
    ) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if (try? await condition()) == true { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (try? await condition()) == true
    }

    func store() throws -> SQLiteBridgeStore { try SQLiteBridgeStore(path: storePath) }

    /// Waits until nothing more can reach the sandbox: no event is waiting or being delivered, and the sandbox is
    /// answering no request. A check that something was *not* sent comes after this, never after a sleep.
    static func idle(
        store: any BridgeStore, sandboxURL: String, timeout: Duration = .seconds(30)
    ) async throws -> Bool {
        try await eventually(timeout: timeout) {
            guard try await store.counts(now: Date()).byStatus[.pending, default: 0] == 0 else { return false }
            return try await sandboxInspection("requests", at: sandboxURL)["in_flight"] == 0
        }
    }

    /// What the sandbox at `sandboxURL` (its `/v1/` base URL) answers on `GET /_sandbox/ROUTE`.
    static func sandboxInspection(_ route: String, at sandboxURL: String) async throws -> JSONValue {
        let base = sandboxURL.replacingOccurrences(of: "/v1/", with: "")
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: base + "/_sandbox/" + route), timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 256 << 20)
        return try JSONValue.parse(Data(bytes.readableBytesView))
    }

    /// `idle(store:sandboxURL:)` for this harness's store and sandbox.
    func idle(timeout: Duration = .seconds(30)) async throws -> Bool {
        try await Self.idle(store: try store(), sandboxURL: sandboxURL, timeout: timeout)
    }

    func close() {
        serve?.stop()
        sandbox?.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

extension RuntimeHarness {
    /// Every profile the sandbox has: email → (events, data).
    func sandboxPeople() async throws -> [String: (events: Int, data: JSONValue)] {
        try await Self.sandboxPeople(at: sandboxURL)
    }

    /// Every profile of the sandbox at `sandboxURL` (its `/v1/` base URL).
    static func sandboxPeople(at sandboxURL: String) async throws -> [String: (events: Int, data: JSONValue)] {
        let people = try await sandboxInspection("people", at: sandboxURL)["people"].arrayValue ?? []
        var out: [String: (events: Int, data: JSONValue)] = [:]
        for p in people {
            out[p["email"].stringValue ?? ""] = (Int(p["events"].numberValue ?? 0), p["data"])
        }
        return out
    }

    /// The texts of each profile's events, in the order they were posted, by email.
    static func sandboxEventTexts(at sandboxURL: String) async throws -> [String: [String]] {
        let people = try await sandboxInspection("people", at: sandboxURL)["people"].arrayValue ?? []
        var out: [String: [String]] = [:]
        for p in people {
            out[p["email"].stringValue ?? ""] = (p["event_texts"].arrayValue ?? []).map { $0.stringValue ?? "" }
        }
        return out
    }
}
