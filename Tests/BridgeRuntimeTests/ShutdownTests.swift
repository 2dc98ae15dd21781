import BridgeCore
import Foundation
import Testing

/// `serve` stopped as platforms stop it: SIGTERM turns `/readyz` to 503 at once while requests are still accepted
/// for `--drain-delay`; in-flight deliveries get `--shutdown-timeout`, then are cut short and stay pending (their
/// lease path delivers them once); and SIGTERM ends the process at every moment tried.
extension ProcessTests {
    @Suite struct ShutdownTests {
        /// How long a stop may take past the drain and the shutdown timeout (the built-in parts' own stops).
        static let margin: Duration = .seconds(6)

        /// Sends SIGTERM to `process` and waits for it to end; returns how long that took.
        static func stop(_ process: ChildProcess, within limit: Duration, _ moment: String = "") async throws
            -> Duration
        {
            let clock = ContinuousClock()
            let start = clock.now
            process.signal(SIGTERM)
            _ = try await process.waitForExit(timeout: limit + .seconds(30))
            let took = clock.now - start
            #expect(
                took < limit,
                "\(moment): ended \(took) after SIGTERM, more than \(limit): \(process.output.suffix(3000))")
            return took
        }

        @Test func sigtermTurnsReadyzTo503AtOnceAndRequestsAreAcceptedForTheDrainDelay() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox()
            try await h.startServe(["--drain-delay", "3", "--shutdown-timeout", "5", "--instance-id", "bridge-a"])
            let before = try await h.call("/readyz")
            #expect(before.status == 200)
            #expect(before.body.contains(#""instance":"bridge-a""#), "\(before.body)")
            let clock = ContinuousClock()
            let start = clock.now
            h.serve?.signal(SIGTERM)
            try await Task.sleep(for: .milliseconds(300))
            let ready = try await h.call("/readyz")
            #expect(ready.status == 503 && ready.body.contains("shutting down"), "\(ready)")
            // Still accepting: a balancer that has not seen the 503 yet loses nothing.
            let late = try await h.post(body: RuntimeHarness.signup("late-1", email: "late@example.com"))
            #expect(late.status == 202)
            let status = try await h.serve?.waitForExit(timeout: .seconds(20))
            let took = clock.now - start
            #expect(status == 0)
            #expect(took >= .seconds(3), "the listener stayed for the drain delay (\(took))")
            #expect(took < .seconds(3) + Self.margin, "\(took)")
            await #expect(throws: (any Error).self) { _ = try await h.call("/readyz") }
            // What was accepted during the drain is delivered once the instance (or another) runs again.
            try await h.restartServe()
            let store = try h.store()
            #expect(
                try await h.eventually(timeout: .seconds(30)) {
                    try await store.counts(now: Date()).byStatus[.done] == 1
                })
            #expect(try await RuntimeHarness.sandboxPeople(at: h.sandboxURL)["late@example.com"]?.events == 1)
        }

        /// Crisp answering in 60 s: the delivery is cut short after the shutdown timeout (the process ends within
        /// it), the event stays pending with the reason, and a restarted serve delivers it once.
        @Test func theShutdownTimeoutCutsASlowCrispCallShortAndTheEventIsDeliveredOnceAfterwards() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox(["--latency", "60000"])
            let sandboxPort = Int(h.sandboxURL.split(separator: ":").last?.split(separator: "/").first ?? "") ?? 0
            try await h.startServe(["--drain-delay", "0", "--shutdown-timeout", "2"])
            #expect(try await h.post(body: RuntimeHarness.signup("slow-1", email: "slow@example.com")).status == 202)
            // The profile's POST is in flight at the sandbox.
            #expect(
                try await h.eventually(timeout: .seconds(20)) {
                    try await RuntimeHarness.sandboxInspection("requests", at: h.sandboxURL)["in_flight"] == 1
                })
            let took = try await Self.stop(try #require(h.serve), within: .seconds(2) + Self.margin)
            #expect(took >= .seconds(2), "in-flight work had its shutdown timeout (\(took))")
            let store = try h.store()
            let event = try #require(try await store.find("slow-1").first)
            #expect(event.status == .pending)
            #expect(event.lastError?.contains("cut short by the shutdown") == true, "\(event.lastError ?? "")")

            // Crisp answers again (a sandbox without latency on the same port, state kept: the cut call was
            // stored by the slow one's handler only if it got that far): delivered once.
            h.sandbox?.stop()
            try await h.startSandbox([], port: sandboxPort)
            try await h.restartServe()
            #expect(
                try await h.eventually(timeout: .seconds(40)) { try await store.find("slow-1").first?.status == .done })
            #expect(try await h.idle())
            #expect(try await RuntimeHarness.sandboxPeople(at: h.sandboxURL)["slow@example.com"]?.events == 1)
        }

        /// SIGTERM ends serve at every moment tried, within the drain, the shutdown timeout and a margin: at
        /// once after it was started, as soon as it listens, during a poll whose API takes 30 s to answer,
        /// and during a PostgreSQL outage.
        @Test func sigtermEndsServeAtEveryMoment() async throws {
            let limit = Duration.seconds(3) + Self.margin
            // At once after the start, and as soon as it listens.
            for wait in [false, true] {
                let h = try RuntimeHarness()
                defer { h.close() }
                try await h.startSandbox()
                let serve = try ChildProcess(
                    [
                        "serve", "--pipelines", h.folder + "/pipelines", "--port", "0", "--store",
                        "sqlite:" + h.storePath, "--drain-delay", "0", "--shutdown-timeout", "3",
                    ],
                    environment: [
                        "CRISP_API_URL": h.sandboxURL, "CRISP_WEBSITE_ID": RuntimeHarness.website,
                        "CRISP_IDENTIFIER": "sandbox-identifier", "CRISP_KEY": "sandbox-key",
                        "TEST_WEBHOOK_PASSWORD": RuntimeHarness.password,
                    ])
                defer { serve.stop() }
                if wait { _ = try await serve.waitFor(#"crisp-bridge listening on (http)"#) }
                _ = try await Self.stop(serve, within: limit, wait ? "as soon as it listens" : "at once")
            }

            // During a poll: the API takes 30 s to answer.
            do {
                let api = try await StandInAPI.start { _, _ in
                    StandInAPI.Answer(body: #"{"results":[]}"#, delay: .seconds(30))
                }
                defer { Task { await api.stop() } }
                let h = try RuntimeHarness()
                defer { h.close() }
                try h.addPipeline(
                    "slow-poll",
                    """
                    name: slow-poll
                    trigger:
                      poll:
                        every: 1m
                        start: beginning
                        request: { url: "\(api.baseURL)/contacts" }
                        items: answer.results
                        id: event.id
                        cursor: cursor
                    actions:
                      - crisp.profile: { email: "${{ event.email }}" }
                    """)
                try await h.startSandbox()
                try await h.startServe(["--drain-delay", "0", "--shutdown-timeout", "3"])
                #expect(
                    try await h.eventually(timeout: .seconds(20)) { !api.requests.isEmpty }, "the poll is under way")
                _ = try await Self.stop(try #require(h.serve), within: limit, "during a poll")
            }

            // During a PostgreSQL outage.
            do {
                let h = try RuntimeHarness()
                defer { h.close() }
                try await h.startSandbox()
                let server = try TestPostgres.startServer()
                defer { Task { try? await TestPostgres.control(server.control, "stop") } }
                let serve = try ChildProcess(
                    [
                        "serve", "--pipelines", h.folder + "/pipelines", "--port", "0", "--store", server.url,
                        "--drain-delay", "0", "--shutdown-timeout", "3",
                    ],
                    environment: [
                        "CRISP_API_URL": h.sandboxURL, "CRISP_WEBSITE_ID": RuntimeHarness.website,
                        "CRISP_IDENTIFIER": "sandbox-identifier", "CRISP_KEY": "sandbox-key",
                        "TEST_WEBHOOK_PASSWORD": RuntimeHarness.password,
                    ])
                defer { serve.stop() }
                h.servePort = Int(try await serve.waitFor(#"crisp-bridge listening on http://127\.0\.0\.1:(\d+)"#)) ?? 0
                try await TestPostgres.control(server.control, "stop")
                // Intake meets the outage (a request held while the store is down), then SIGTERM.
                let held = Task { try? await h.post(body: RuntimeHarness.signup("outage-1", email: "o@example.com")) }
                try await Task.sleep(for: .milliseconds(500))
                _ = try await Self.stop(serve, within: limit, "during a PostgreSQL outage")
                _ = await held.value
            }
        }
    }
}
