import BridgeCore
import Foundation
import Testing

/// `serve --sandbox` keeps the sandbox's contacts across restarts, beside the store; `--sandbox-reset` empties it.
extension ProcessTests {
    @Suite struct SandboxStateTests {
        /// Starts serve with its built-in sandbox and returns the sandbox's base URL.
        func startWithSandbox(_ h: RuntimeHarness, _ flags: [String] = []) async throws -> String {
            try await h.startServe(["--sandbox", "--sandbox-port", "0"] + flags)
            return try await h.serve!.waitFor(#"built-in Crisp sandbox at (http://127\.0\.0\.1:\d+/v1/)"#)
        }

        @Test func theSandboxsContactsSurviveARestartUnlessReset() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            var sandbox = try await startWithSandbox(h)
            #expect(try await h.post(body: RuntimeHarness.signup("k-1", email: "ada@example.com", n: 3)).status == 202)
            #expect(
                try await h.eventually { try await RuntimeHarness.sandboxPeople(at: sandbox)["ada@example.com"] != nil }
            )
            h.serve?.signal(SIGTERM)
            #expect(try await h.serve?.waitForExit() == 0)
            let file = h.folder + "/sandbox.json"
            #expect(FileManager.default.fileExists(atPath: file), "the state is beside the store")

            sandbox = try await startWithSandbox(h)
            let kept = try await RuntimeHarness.sandboxPeople(at: sandbox)["ada@example.com"]
            #expect(kept?.events == 1)
            #expect(kept?.data == ["n": 3])
            h.serve?.signal(SIGTERM)
            #expect(try await h.serve?.waitForExit() == 0)

            sandbox = try await startWithSandbox(h, ["--sandbox-reset"])
            #expect(try await RuntimeHarness.sandboxPeople(at: sandbox).isEmpty)
        }

        /// The standalone sandbox with `--state FILE`: a change is on disk within 250 ms, so even a kill -9 keeps it;
        /// `--reset` starts empty.
        @Test func theStandaloneSandboxKeepsItsStateThroughAKill() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            let file = h.folder + "/standalone.json"
            try await h.startSandbox(["--state", file])
            try await h.startServe()
            #expect(try await h.post(body: RuntimeHarness.signup("s-1", email: "ada@example.com", n: 7)).status == 202)
            #expect(try await h.eventually { try await h.sandboxPeople()["ada@example.com"] != nil })
            #expect(
                try await h.eventually(timeout: .seconds(2)) {
                    (try? String(contentsOfFile: file, encoding: .utf8))?.contains("ada@example.com") == true
                }, "the change is on disk before the kill")
            h.sandbox?.signal(SIGKILL)
            _ = try await h.sandbox?.waitForExit()
            try await h.startSandbox(["--state", file])
            #expect(try await h.sandboxPeople()["ada@example.com"]?.data == ["n": 7])
            h.sandbox?.stop()
            try await h.startSandbox(["--state", file, "--reset"])
            #expect(try await h.sandboxPeople().isEmpty)
        }

        @Test func aStateFileThatCannotBeReadStopsTheStartWithItsPath() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            let file = h.folder + "/broken-sandbox.json"
            try "{\"profiles\": [{\"email\": 1}]}".write(toFile: file, atomically: true, encoding: .utf8)
            let sandbox = try ChildProcess(["sandbox", "--port", "0", "--state", file])
            defer { sandbox.stop() }
            #expect(try await sandbox.waitForExit() != 0)
            #expect(
                sandbox.output.contains("the sandbox state \(file) holds a profile it cannot read"), "\(sandbox.output)"
            )
        }
    }
}
