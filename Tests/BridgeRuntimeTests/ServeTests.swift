import BridgeCore
import BridgeStore
import CrispPeople
import Foundation
import NIOHTTP1
import Testing

/// `serve` as a real process, delivering to the sandbox as another process, over loopback HTTP.
extension ProcessTests {
    @Suite struct ServeTests {
        @Test func aWebhookBecomesACrispProfileWithItsDataWithinTwoSeconds() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox()
            try await h.startServe()
            let crisp = h.crisp()
            defer { Task { try? await crisp.shutdown() } }

            let clock = ContinuousClock()
            let start = clock.now
            let answer = try await h.post(body: RuntimeHarness.signup("s-1", email: " ADA@Example.com ", n: 7))
            #expect(answer.status == 202)
            #expect(answer.json == ["accepted": 1, "duplicates": 0, "ids": ["s-1"]])
            let delivered = try await h.eventually(timeout: .seconds(2)) {
                try await crisp.events("ada@example.com").count == 1
            }
            #expect(delivered, "not delivered within 2 s after \(clock.now - start)")
            #expect(try await crisp.profile("ada@example.com")?["person"]["nickname"] == "Ada")
            #expect(try await crisp.data("ada@example.com") == ["n": 7])
            let event = try #require(try await h.store().events(status: nil, since: nil, limit: 10).first)
            #expect(event.status == .done)
            #expect(event.progress == 3)
            #expect(event.contact == "ada@example.com")

            #expect(try await h.post("/healthz", body: "", method: .GET).status == 200)
            let ready = try await h.post("/readyz", body: "", method: .GET)
            #expect(ready.status == 200)
            #expect(ready.json?["pipelines"] == 1)
            // Which instance, and the version of each pipeline it serves (drift shows in one look).
            #expect(ready.json?["instance"].stringValue?.isEmpty == false)
            #expect(ready.json?["versions"]["signup"].stringValue?.count == 12, "\(ready.json ?? .null)")
            let metrics = try await h.text("/metrics")
            #expect(
                metrics.contains(#"crisp_bridge_requests_total{pipeline="signup",outcome="accepted"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"crisp_bridge_attempts_total{pipeline="signup",outcome="done"} 1"#))
            #expect(metrics.contains("crisp_bridge_crisp_operation_seconds_bucket"))
            #expect(!metrics.contains("ada@example.com"))
        }

        @Test func recordedRequestsBecomeTestCasesWithTheirCredentialsRedacted() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox()
            let recordings = h.folder + "/recordings"
            try await h.startServe(["--record", recordings])
            let body = RuntimeHarness.signup("rec-1", email: "Grace@Example.com", name: "Grace")
            #expect(try await h.post(body: body).status == 202)
            #expect(try await h.post(body: body, password: "wrong").status == 401)  // refused: not recorded
            let files = try FileManager.default.contentsOfDirectory(atPath: recordings + "/signup").sorted()
            #expect(files.count == 2, "\(files)")
            let yaml = try #require(files.first { $0.hasSuffix(".yaml") })
            let text = try String(contentsOfFile: recordings + "/signup/" + yaml, encoding: .utf8)
            #expect(text.contains(#""authorization": "[redacted]""#))
            #expect(!text.contains(RuntimeHarness.password))
            #expect(!text.contains(Data("test:\(RuntimeHarness.password)".utf8).base64EncodedString()))
            let stored = try Data(
                contentsOf: URL(
                    fileURLWithPath: recordings + "/signup/" + yaml.replacingOccurrences(of: ".yaml", with: ".body")))
            #expect(stored == Data(body.utf8))

            // A test file can name it; its signature was checked at intake, so the test does not check it again.
            try """
            pipeline: ../pipelines/signup.yaml
            cases:
              - name: a recorded signup
                request: signup/\(yaml)
                expect:
                  - - crisp.profile: { email: grace@example.com, person: { nickname: Grace } }
                    - crisp.data: { email: grace@example.com, merge: { n: 1 } }
                    - crisp.event: { email: grace@example.com, text: Signed up }
            """.write(toFile: recordings + "/signup.test.yaml", atomically: true, encoding: .utf8)
            let report = await TestRunner.run(paths: [recordings + "/signup.test.yaml"])
            #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
            #expect(report.passed == 1, "\(report.results.map { "\($0.differences) \($0.problem ?? "")" })")
        }

        @Test func theAdminAPIListsShowsAndReplaysBehindItsToken() async throws {
            let h = try RuntimeHarness(emailExpression: "body.email")
            defer { h.close() }
            try await h.startSandbox()
            h.serveEnvironment = ["BRIDGE_ADMIN_TOKEN": "admin-secret"]
            try await h.startServe()
            #expect(try await h.post(body: RuntimeHarness.signup("adm-1", email: "not an email")).status == 202)
            let store = try h.store()
            #expect(try await h.eventually { try await store.events(status: .dead, since: nil, limit: 5).count == 1 })
            #expect(try await h.call("/admin/events").status == 401)
            #expect(try await h.call("/admin/events", bearer: "wrong").status == 401)
            let listed = try JSONValue.parse(try await h.text("/admin/events?status=dead", bearer: "admin-secret"))
            let id = try #require(listed["events"][0]["id"].numberValue)
            let shown = try JSONValue.parse(try await h.text("/admin/events/\(Int(id))", bearer: "admin-secret"))
            #expect(shown["attempts_log"][0]["outcome"] == "dead")
            let replayed = try await h.call("/admin/events/\(Int(id))/replay", method: .POST, bearer: "admin-secret")
            #expect(replayed.status == 200)
            #expect(try await h.eventually { try await store.event(Int64(id))?.attempts == 2 })
            #expect(!(try await h.text("/metrics")).contains("admin-secret"))
        }

        @Test func withoutATokenThereIsNoAdminAPI() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox()
            try await h.startServe()
            #expect(try await h.call("/admin/events", bearer: "anything").status == 404)
        }

        /// A route parameter is matched before it is decoded, so `%2F` or `%00` in it would reach `path.x`
        /// as a separator or a control character: such a request is refused with the reason, and not stored.
        @Test func aRouteParameterCannotSmuggleASeparatorOrAControlCharacter() async throws {
            let h = try await InProcessBridge.start(pipelines: [
                "routed": """
                name: routed
                trigger:
                  webhook: { path: "/hooks/r/{source}", verify: none }
                actions:
                  - crisp.profile: { email: a@x.io, segments: ["${{ path.source }}"] }
                """
            ])
            for smuggled in ["/hooks/r/..%2f..%2fadmin", "/hooks/r/x%00y", "/hooks/r/x%0d%0aSet-Cookie:%20a"] {
                let answer = try await h.post(smuggled, body: "{}")
                #expect(answer.status == 400, "\(smuggled)")
                #expect(
                    answer.json?["error"].stringValue?.contains("the route parameter {source}") == true,
                    "\(smuggled): \(String(describing: answer.json))")
            }
            #expect(try await h.post("/hooks/r/typeform", body: "{}").status == 202)
            #expect(try await h.idle())
            #expect(try await h.store.events(status: nil, since: nil, limit: 10).count == 1, "only the plain one")
            await h.stop()
        }

        /// `serve --sandbox` with the sandbox's faults (`--sandbox-fail-rate`…): every answer a 500 or 503, so
        /// the event is retried with the sandbox's reason, and nothing reaches the sandbox's people.
        @Test func theBuiltInSandboxTakesFaultSettings() async throws {
            let h = try await InProcessBridge.start(
                pipelines: ["signup": try RuntimeHarness.signupPipeline()],
                environment: ["TEST_WEBHOOK_PASSWORD": RuntimeHarness.password]
            ) { options, _ in
                options.sandboxSettings.failRate = 1
                options.sandboxSettings.seed = 7
            }
            #expect(try await h.post(body: RuntimeHarness.signup("f-1", email: "f@x.io")).status == 202)
            #expect(
                try await h.eventually {
                    try await h.store.events(status: .pending, since: nil, limit: 1).first?.attempts ?? 0 >= 1
                })
            let event = try #require(try await h.store.events(status: nil, since: nil, limit: 1).first)
            #expect(event.status == .pending)
            #expect(event.lastError?.contains("--fail-rate") == true, "\(String(describing: event.lastError))")
            #expect(try await h.sandboxPeople().isEmpty)
            await h.stop()
        }

        @Test func refusedRequestsAnswerTheirStatusAndStoreNothing() async throws {
            let h = try await InProcessBridge.start(
                pipelines: ["signup": try RuntimeHarness.signupPipeline()],
                environment: ["TEST_WEBHOOK_PASSWORD": RuntimeHarness.password])
            let body = RuntimeHarness.signup("r-1", email: "a@x.io")
            #expect(try await h.post(body: body, password: "wrong").status == 401)
            #expect(try await h.post(body: "{not json").status == 400)
            #expect(try await h.post(body: "a,b", contentType: "text/csv").status == 415)
            #expect(
                try await h.post(body: #"<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>"#, contentType: "text/xml").status
                    == 400)
            #expect(try await h.post(body: "<a><b></a>", contentType: "application/xml").status == 400)
            let unknown = try await h.post("/hooks/unknown", body: body)
            #expect(unknown.status == 404)
            #expect(unknown.json?["error"] == "no pipeline listens on this path (POST)")
            let wrongMethod = try await h.post(body: body, method: .GET)
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.json?["error"] == "GET is not accepted: use POST on /hooks/signup")
            #expect(try await h.send("/hooks/signup", body: Data(), headers: [:], method: .OPTIONS).status == 405)
            let empty = try await h.post(body: "")
            #expect(empty.status == 400)
            #expect(
                empty.json?["error"].stringValue?.hasPrefix("empty body") == true, "\(String(describing: empty.json))")
            #expect(try await h.post(body: String(repeating: "x", count: 1 << 20 + 1)).status == 413)
            // JSON is UTF-8 (RFC 8259), and a number must fit a double: both refused with their place.
            let notUTF8 = try await h.send(
                "/hooks/signup", body: Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D]),
                headers: [
                    "content-type": "application/json",
                    "authorization": "Basic " + Data("test:\(RuntimeHarness.password)".utf8).base64EncodedString(),
                ])
            #expect(notUTF8.status == 400)
            #expect(notUTF8.body.contains("UTF-8") && notUTF8.body.contains("6"), "\(notUTF8.body)")
            let huge = try await h.post(body: #"{"id": "h", "email": "a@x.io", "n": 1e999}"#)
            #expect(huge.status == 400, "\(String(describing: huge.json))")
            let refused = try await h.post(body: body, password: "wrong")
            #expect(refused.json?["error"] == "basic: wrong username or password")
            let counts = try await h.store.counts(now: Date())
            #expect(counts.byStatus.values.reduce(0, +) == 0)
            #expect(try await h.post(body: body).status == 202)
            #expect(try await h.store.counts(now: Date()).byStatus.values.reduce(0, +) == 1)
            // The scheme of an Authorization header is case-insensitive (RFC 9110).
            for scheme in ["basic", "BASIC"] {
                let lower = try await h.send(
                    "/hooks/signup", body: Data(RuntimeHarness.signup("case-\(scheme)", email: "c@x.io").utf8),
                    headers: [
                        "content-type": "application/json",
                        "authorization": "\(scheme) "
                            + Data("test:\(RuntimeHarness.password)".utf8).base64EncodedString(),
                    ])
                #expect(lower.status == 202, "\(scheme): \(lower.body)")
            }
            await h.stop()
        }

        /// `body: optional` takes an empty body; GET triggers take none by default; other values are refused at load.
        @Test func anOptionalBodyMayBeEmpty() async throws {
            let optional = try RuntimeHarness.signupPipeline()
                .replacingOccurrences(
                    of: "    path: /hooks/signup\n", with: "    path: /hooks/signup\n    body: optional\n"
                )
                .replacingOccurrences(of: "  id: body.id\n", with: "  id: \"'ping'\"\n  when: body != null\n")
            let ping = try RuntimeHarness.signupPipeline()
                .replacingOccurrences(of: "name: signup", with: "name: ping")
                .replacingOccurrences(of: "    path: /hooks/signup\n", with: "    path: /hooks/ping\n    method: GET\n")
                .replacingOccurrences(of: "  id: body.id\n", with: "  id: \"'get'\"\n  when: body != null\n")
            let h = try await InProcessBridge.start(
                pipelines: ["signup": optional, "ping": ping],
                environment: ["TEST_WEBHOOK_PASSWORD": RuntimeHarness.password])
            #expect(try await h.post(body: "").status == 202, "an empty body, stored (and skipped by when)")
            #expect(try await h.post("/hooks/ping", body: "", method: .GET).status == 202)
            await h.stop()
            let (_, diagnostics) = PipelineLoader.load(
                source: SourceFile(
                    path: "x.yaml",
                    text: optional.replacingOccurrences(of: "body: optional", with: "body: sometimes")))
            #expect(
                diagnostics.contains { $0.message.contains("trigger.webhook.body is 'required'") }, "\(diagnostics)")
        }

        @Test func aSendersRetryIsAnsweredButDeliveredOnce() async throws {
            let h = try await InProcessBridge.start(
                pipelines: ["signup": try RuntimeHarness.signupPipeline()],
                environment: ["TEST_WEBHOOK_PASSWORD": RuntimeHarness.password])
            let body = RuntimeHarness.signup("dup-1", email: "dup@x.io")
            #expect(try await h.post(body: body).status == 202)
            let again = try await h.post(body: body)
            #expect(again.status == 200)
            #expect(again.json?["duplicates"] == 1)
            // the answer names the event it repeats, which `events show` finds
            let original = try #require(try await h.store.events(dedupeID: "dup-1").first)
            #expect(again.json?["duplicate_of"] == [["id": "dup-1", "event": .number(Double(original.id))]])
            #expect(try await h.eventually { try await h.sandboxPeople()["dup@x.io"]?.events == 1 })
            #expect(try await h.idle())
            #expect(try await h.sandboxPeople()["dup@x.io"]?.events == 1)
            await h.stop()
        }

        @Test func aPermanentFailureIsDeadLetteredAndReplayedOnceThePipelineIsFixed() async throws {
            let h = try RuntimeHarness(emailExpression: "body.email")  // not normalised: " BAD @x.io" is refused
            defer { h.close() }
            try await h.startSandbox()
            try await h.startServe()
            let crisp = h.crisp()
            defer { Task { try? await crisp.shutdown() } }
            #expect(try await h.post(body: RuntimeHarness.signup("p-1", email: "Zoe.Dupont@Example.FR ")).status == 202)
            let store = try h.store()
            #expect(try await h.eventually { try await store.events(status: .dead, since: nil, limit: 5).count == 1 })
            let dead = try #require(try await store.events(status: .dead, since: nil, limit: 5).first)
            #expect(dead.attempts == 1)
            #expect(dead.lastError?.contains("is not a valid email address") == true)
            #expect(try await store.attempts(eventID: dead.id).map(\.outcome) == ["dead"])

            // Fix the pipeline, restart, replay with the CLI while serve runs.
            h.serve?.signal(SIGTERM)
            #expect(try await h.serve?.waitForExit() == 0)
            try h.writePipeline(emailExpression: "email(body.email)")
            try await h.restartServe()
            let replay = try ChildProcess(["events", "replay", String(dead.id), "--store", "sqlite:" + h.storePath])
            defer { replay.stop() }
            #expect(try await replay.waitForExit() == 0)
            #expect(replay.output.contains("1 event queued again"))
            #expect(try await h.eventually { try await crisp.events("zoe.dupont@example.fr").count == 1 })
            #expect(try await h.eventually { try await store.event(dead.id)?.status == .done })
            #expect(try await store.attempts(eventID: dead.id).map(\.outcome) == ["dead", "replayed", "done"])
        }

        @Test func aGracefulStopFinishesAndARestartResumes() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox(["--latency", "200"])
            try await h.startServe()
            for i in 0..<20 {
                #expect(try await h.post(body: RuntimeHarness.signup("g-\(i)", email: "g\(i)@x.io")).status == 202)
            }
            let clock = ContinuousClock()
            let stopAt = clock.now
            h.serve?.signal(SIGTERM)
            #expect(try await h.serve?.waitForExit(timeout: .seconds(15)) == 0)
            #expect(clock.now - stopAt < .seconds(10))
            try await h.restartServe()
            let store = try h.store()
            #expect(
                try await h.eventually(timeout: .seconds(30)) {
                    try await store.counts(now: Date()).byStatus[.done] == 20
                })
        }
    }
}
