import AsyncHTTPClient
import BridgeCore
import BridgeRuntime
import BridgeStore
import Foundation
import NIOHTTP1
import Synchronization
import Testing

/// Reloading the pipelines under a running `serve`: a broken folder keeps the running version and says why; a good
/// one swaps at once, without refusing a request; each event keeps the version that planned it.
@Suite(.serialized) struct ReloadTests {
    static let token = "reload-admin-token"

    /// The signup pipeline with one more custom-data value, so what a version planned shows in Crisp.
    static func signup(version: String) throws -> String {
        try RuntimeHarness.signupPipeline().replacingOccurrences(
            of: #"merge: { n: "${{ body.n }}" }"#, with: #"merge: { n: "${{ body.n }}", version: \#(version) }"#)
    }

    static let broken = """
        name: signup
        trigger:
          webhook:
            path: /hooks/signup
            verify: { basic: { username: test, password: "${{ env.TEST_WEBHOOK_PASSWORD }}" } }
        actions:
          - crisp.profile:
              email: ${{ emial(body.email) }}
        """

    /// A client that waits up to 10 s for a connection (kept for the process, as `RuntimeHarness.client` is).
    static let patientClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: .init(timeout: .init(connect: .seconds(10), read: .seconds(30))))

    @Test func sighupUnderSteadyLoadKeepsTheOldVersionOnErrorsAndSwapsToAGoodOne() async throws {
        let h = try RuntimeHarness()
        defer { h.close() }
        try h.addPipeline("signup", try Self.signup(version: "one"))
        try await h.startSandbox()
        try await h.startServe()
        let serve = try #require(h.serve)
        let one = PipelineLoader.version(of: try Self.signup(version: "one"))
        let two = PipelineLoader.version(of: try Self.signup(version: "two"))

        // Steady load from two clients for the whole test: every request must be accepted. Their client waits
        // up to 10 s for a connection (the shared one's 1 s could run out on a loaded machine, a failure of the
        // test's client, not of serve); a request that fails anyway is recorded with its error.
        let running = StopFlag()
        let patient = Self.patientClient
        let load = (1...2).map { client in
            Task { () -> [String] in
                var statuses: [String] = []
                var n = 0
                while !running.stopped {
                    n += 1
                    let body = RuntimeHarness.signup("load-\(client)-\(n)", email: "load\(client)-\(n)@x.io", n: n)
                    do {
                        statuses.append(
                            String(try await RuntimeHarness.post(port: h.servePort, body: body, client: patient).status)
                        )
                    } catch {
                        statuses.append("error: \(error)")
                    }
                    running.countAnswer()
                }
                return statuses
            }
        }

        // The load must span both reloads: answers before each, and after the last.
        #expect(try await h.eventually { running.answers >= 2 })
        try h.addPipeline("signup", Self.broken)
        serve.signal(SIGHUP)
        _ = try await serve.waitFor(#"reload \(SIGHUP\) failed"#)
        let atFailedReload = running.answers
        #expect(serve.output.contains("signup.yaml:8:18: error: unknown function 'emial'"), "\(serve.output)")
        #expect(try await h.post(body: RuntimeHarness.signup("before", email: "before@x.io")).status == 202)
        let store = try h.store()
        #expect(
            try await h.eventually { try await store.events(dedupeID: "before").first?.status == .done },
            "the old version keeps serving")
        #expect(try await store.events(dedupeID: "before").first?.plannedBy == one)

        try h.addPipeline("signup", try Self.signup(version: "two"))
        #expect(try await h.eventually { running.answers > atFailedReload }, "no answer between the reloads")
        serve.signal(SIGHUP)
        _ = try await serve.waitFor(#"reload \(SIGHUP\): changed signup"#)
        let atGoodReload = running.answers
        #expect(try await h.post(body: RuntimeHarness.signup("after", email: "after@x.io")).status == 202)
        #expect(try await h.eventually { try await store.events(dedupeID: "after").first?.status == .done })
        #expect(try await store.events(dedupeID: "after").first?.plannedBy == two)
        let people = try await h.sandboxPeople()
        #expect(people["before@x.io"]?.data["version"] == "one")
        #expect(people["after@x.io"]?.data["version"] == "two", "the next request is planned by the new version")

        #expect(try await h.eventually { running.answers > atGoodReload }, "no answer after the second reload")
        running.stop()
        var statuses: [String] = []
        for task in load { statuses += await task.value }
        #expect(statuses.allSatisfy { $0 == "202" }, "no request refused during the reloads: \(Set(statuses))")
        let metrics = try await h.text("/metrics")
        #expect(metrics.contains(#"crisp_bridge_reloads_total{outcome="failed"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"crisp_bridge_reloads_total{outcome="reloaded"} 1"#))
    }

    @Test func theAdminRouteReloadsAndARemovedPipelineStillDeliversItsStoredEvents() async throws {
        let extra = try RuntimeHarness.signupPipeline()
            .replacingOccurrences(of: "name: signup", with: "name: extra")
            .replacingOccurrences(of: "/hooks/signup", with: "/hooks/extra")
        let h = try await InProcessBridge.start(
            pipelines: ["signup": try Self.signup(version: "one"), "extra": extra],
            environment: ["TEST_WEBHOOK_PASSWORD": RuntimeHarness.password, "BRIDGE_ADMIN_TOKEN": Self.token])
        let folder = h.folder + "/pipelines"
        func reload() async throws -> (status: Int, json: JSONValue?) {
            let answer = try await h.send(
                "/admin/reload", body: Data(), headers: ["authorization": "Bearer \(Self.token)"])
            return (answer.status, try? JSONValue.parse(Data(answer.body.utf8)))
        }

        #expect(try await h.send("/admin/reload", body: Data(), headers: [:]).status == 401)
        #expect(try await reload().json?["outcome"] == "unchanged")
        let lowerCase = try await h.send(
            "/admin/reload", body: Data(), headers: ["authorization": "bearer \(Self.token)"])
        #expect(lowerCase.status == 200, "the scheme's case does not matter")

        try Self.broken.write(toFile: folder + "/signup.yaml", atomically: true, encoding: .utf8)
        let failed = try await reload()
        #expect(failed.status == 422)
        let problems = failed.json?["problems"].arrayValue?.compactMap(\.stringValue) ?? []
        #expect(problems.contains { $0.contains("signup.yaml:8:18: error: unknown function 'emial'") }, "\(problems)")
        #expect(try await h.post(body: RuntimeHarness.signup("kept", email: "kept@x.io")).status == 202)

        try Self.signup(version: "two").write(toFile: folder + "/signup.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: folder + "/extra.yaml")
        let good = try await reload()
        #expect(good.status == 200)
        #expect(good.json?["changed"] == ["signup"])
        #expect(good.json?["removed"] == ["extra"])
        #expect(try await h.post("/hooks/extra", body: RuntimeHarness.signup("x", email: "x@x.io")).status == 404)

        // An event of the removed pipeline (stored before it went, or by another instance) is still delivered.
        let stored = try await h.store.accept(
            IncomingRequest(
                pipeline: "extra",
                webhook: WebhookRequest(
                    path: "/hooks/extra", headers: ["content-type": "application/json"],
                    body: Data(RuntimeHarness.signup("late", email: "late@x.io").utf8))),
            events: [IncomingEvent(index: 0, dedupeID: "late")])
        h.running.wake()
        let id = try #require(stored.first?.eventID)
        #expect(try await h.eventually { try await h.store.event(id)?.status == .done }, "delivered, not dropped")
        #expect(try await h.store.event(id)?.plannedBy == PipelineLoader.version(of: extra))
        await h.stop()
    }

    /// A new or changed secret needs no restart: a reload reads `--env-file` and `NAME_FILE` again, the intake
    /// checks with the new value at once, and the answer names the variables that changed (never their values).
    @Test func aReloadReadsTheEnvFileAndSecretFilesAgain() async throws {
        var envFile = ""
        let h = try await InProcessBridge.start(
            pipelines: ["signup": try RuntimeHarness.signupPipeline()],
            environment: ["BRIDGE_ADMIN_TOKEN": Self.token]
        ) { options, folder in
            envFile = folder + "/bridge.env"
            try? "TEST_WEBHOOK_PASSWORD=first-secret\n".write(toFile: envFile, atomically: true, encoding: .utf8)
            options.environmentFiles = [envFile]
        }
        func reload() async throws -> JSONValue? {
            let answer = try await h.send(
                "/admin/reload", body: Data(), headers: ["authorization": "Bearer \(Self.token)"])
            return try? JSONValue.parse(Data(answer.body.utf8))
        }
        let body = RuntimeHarness.signup("env-1", email: "env@x.io")
        #expect(try await h.post(body: body, password: "first-secret").status == 202)

        try "TEST_WEBHOOK_PASSWORD=second-secret\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        let changed = try await reload()
        #expect(changed?["outcome"] == "reloaded" && changed?["variables"] == ["TEST_WEBHOOK_PASSWORD"], "\(changed)")
        #expect(!(changed?.jsonText.contains("second-secret") ?? true), "a value is never shown")
        let body2 = RuntimeHarness.signup("env-2", email: "env@x.io")
        #expect(try await h.post(body: body2, password: "first-secret").status == 401)
        #expect(try await h.post(body: body2, password: "second-secret").status == 202)

        // A secret mounted as a file (Docker, Kubernetes): NAME_FILE in the env file names it.
        let secret = h.folder + "/webhook_password"
        try "mounted-secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try "TEST_WEBHOOK_PASSWORD_FILE=\(secret)\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        #expect(try await reload()?["variables"] == ["TEST_WEBHOOK_PASSWORD"])
        let body3 = RuntimeHarness.signup("env-3", email: "env@x.io")
        #expect(try await h.post(body: body3, password: "mounted-secret").status == 202)
        #expect(try await reload()?["outcome"] == "unchanged", "the same values again change nothing")
        #expect(try await h.eventually { try await h.store.counts(now: Date()).byStatus[.done] == 3 })
        await h.stop()
    }

    /// `?test=1` (or `serve --test-on-reload`) runs the folder's test files before the swap: a pipeline whose
    /// own test now fails is refused, naming the case, and the running version goes on.
    @Test func aReloadWithTestsRefusesAPipelineWhoseTestFails() async throws {
        let h = try await InProcessBridge.start(
            pipelines: ["signup": try Self.signup(version: "one")],
            environment: ["TEST_WEBHOOK_PASSWORD": RuntimeHarness.password, "BRIDGE_ADMIN_TOKEN": Self.token])
        let folder = h.folder + "/pipelines"
        let tests = """
            pipeline: signup.yaml
            env: { TEST_WEBHOOK_PASSWORD: pw }
            cases:
              - name: a signup carries its version
                request:
                  path: /hooks/signup
                  headers: { content-type: application/json, authorization: "Basic dGVzdDpwdw==" }
                  body: { id: t-1, email: ada@example.com, name: Ada, n: "1" }
                expect:
                  - - crisp.profile: { email: ada@example.com, person: { nickname: Ada } }
                    - crisp.data: { email: ada@example.com, merge: { n: "1", version: one } }
                    - crisp.event: { email: ada@example.com, text: Signed up }
            """
        try tests.write(toFile: folder + "/signup.test.yaml", atomically: true, encoding: .utf8)
        func reload(_ query: String) async throws -> (status: Int, json: JSONValue?) {
            let answer = try await h.send(
                "/admin/reload" + query, body: Data(), headers: ["authorization": "Bearer \(Self.token)"])
            return (answer.status, try? JSONValue.parse(Data(answer.body.utf8)))
        }
        #expect(try await reload("?test=1").status == 200, "the tests pass as written")
        #expect(try await reload("?test=maybe").status == 400, "a value that is neither asks, not skips the tests")

        try Self.signup(version: "two").write(toFile: folder + "/signup.yaml", atomically: true, encoding: .utf8)
        let refused = try await reload("?test=1")
        #expect(refused.status == 422)
        let problems = refused.json?["problems"].arrayValue?.compactMap(\.stringValue) ?? []
        #expect(
            problems.contains {
                $0.contains("signup.test.yaml") && $0.contains("test 'a signup carries its version' fails")
            },
            "\(problems)")
        #expect(try await h.post(body: RuntimeHarness.signup("still-one", email: "one@x.io")).status == 202)
        #expect(try await h.eventually { try await h.sandboxPeople()["one@x.io"]?.data["version"] == "one" })
        // Without the tests, the same folder swaps.
        #expect(try await reload("").json?["changed"] == ["signup"])
        await h.stop()
    }

    /// Progress counts operations of one version's plan: an event part-way through a version this process no
    /// longer has does not go on with another plan; it ends dead, saying how to replay it.
    @Test func anEventPartWayThroughAnotherVersionEndsDeadWithItsReplay() async throws {
        let folder = NSTemporaryDirectory() + "crisp-bridge-reload-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/bridge.sqlite"
        var id: Int64 = 0
        do {
            let store = try SQLiteBridgeStore(path: path)
            id = try await store.accept(
                IncomingRequest(
                    pipeline: "signup",
                    webhook: WebhookRequest(
                        path: "/hooks/signup", headers: ["content-type": "application/json"],
                        body: Data(RuntimeHarness.signup("half", email: "half@x.io").utf8))),
                events: [IncomingEvent(index: 0, dedupeID: "half")])[0].eventID
            try await store.saveProgress(
                eventID: id, progress: 1, contact: "half@x.io", inflightSince: nil, written: nil,
                plannedBy: "feedfeedfeed")
        }
        let h = try await InProcessBridge.start(
            pipelines: ["signup": try Self.signup(version: "two")],
            environment: ["TEST_WEBHOOK_PASSWORD": RuntimeHarness.password]
        ) { options, _ in options.store = "sqlite:" + path }
        #expect(try await h.eventually { try await h.store.event(id)?.status == .dead })
        let event = try #require(try await h.store.event(id))
        #expect(event.lastError?.contains("changed (feedfeedfeed →") == true, "\(event.lastError ?? "")")
        #expect(event.lastError?.contains("crisp-bridge events replay \(id)") == true)
        #expect(try await h.sandboxPeople()["half@x.io"] == nil, "nothing of another plan was sent")
        await h.stop()
    }

    @Test func watchReloadsWhenAFileChanges() async throws {
        let h = try await InProcessBridge.start(
            pipelines: ["signup": try Self.signup(version: "one")],
            environment: ["TEST_WEBHOOK_PASSWORD": RuntimeHarness.password]
        ) { options, _ in options.watch = true }
        #expect(try await h.post("/hooks/moved", body: RuntimeHarness.signup("m", email: "m@x.io")).status == 404)
        try Self.signup(version: "one").replacingOccurrences(of: "/hooks/signup", with: "/hooks/moved")
            .write(toFile: h.folder + "/pipelines/signup.yaml", atomically: true, encoding: .utf8)
        #expect(
            try await h.eventually(timeout: .seconds(10)) {
                try await h.post("/hooks/moved", body: RuntimeHarness.signup("m", email: "m@x.io")).status == 202
            }, "the route moved without a restart")
        #expect(try await h.post(body: RuntimeHarness.signup("s", email: "s@x.io")).status == 404)
        await h.stop()
    }
}

/// Tells a loop to end after its current step (cancelling would cut a request in flight), and counts the answers
/// the loop got.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    private let answered = Mutex(0)
    var stopped: Bool { flag.withLock { $0 } }
    func stop() { flag.withLock { $0 = true } }
    var answers: Int { answered.withLock { $0 } }
    func countAnswer() { answered.withLock { $0 += 1 } }
}
