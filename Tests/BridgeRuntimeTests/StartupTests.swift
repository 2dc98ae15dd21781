import BridgeCore
import BridgeRuntime
import Foundation
import Logging
import Testing

/// What `serve` checks before it listens.
@Suite struct StartupTests {
    static let pipeline = """
        name: shared-token
        trigger:
          webhook:
            path: /hooks/shared
            verify: { header: { name: x-key, value: "${{ default(env.SHARED_KEY, \\"dev\\") }}" } }
          when: query.token == env.TOKEN
        actions:
          - crisp.data: { email: ada@example.com, merge: { seen: true } }
        """

    @Test func anUnsetVariableStopsTheStartNamingItAndItsPlace() async throws {
        do {
            let bridge = try await InProcessBridge.start(pipelines: ["shared": Self.pipeline]) { options, _ in
                options.sandbox = false
                options.environment = [
                    "CRISP_API_URL": "http://127.0.0.1:9/v1/", "CRISP_WEBSITE_ID": RuntimeHarness.website,
                    "CRISP_IDENTIFIER": "i", "CRISP_KEY": "k",
                ]
            }
            await bridge.stop()
            Issue.record("started although TOKEN is unset")
        } catch let error as Bridge.StartupError {
            #expect(error.description.contains("shared.yaml:6:24: error: env.TOKEN is not set"), "\(error)")
            #expect(!error.description.contains("SHARED_KEY"), "it has a default")
            #expect(error.description.contains("not starting"))
        }
    }

    @Test func withTheSandboxItIsAWarningAndTheBridgeStarts() async throws {
        let bridge = try await InProcessBridge.start(pipelines: ["shared": Self.pipeline])
        defer { Task { await bridge.stop() } }
        #expect(bridge.port > 0)
    }
}

/// The same checks from the command line: `validate` warns (CI often lacks the secrets), `serve` names the
/// variable behind a `verify:` setting that comes out empty.
extension ProcessTests {
    @Suite struct StartupCommandTests {
        @Test func validateWarnsOfAnUnsetVariableAndPasses() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try h.addPipeline("shared", StartupTests.pipeline)
            let validate = try ChildProcess(
                ["validate", h.folder + "/pipelines"], environment: ["TEST_WEBHOOK_PASSWORD": "x"])
            defer { validate.stop() }
            let environment = ProcessInfo.processInfo.environment
            #expect(environment["TOKEN"] == nil, "the test needs TOKEN unset")
            #expect(try await validate.waitForExit() == 0, "\(validate.output)")
            #expect(
                validate.output.contains("shared.yaml:6:24: warning: env.TOKEN is not set"), "\(validate.output)")
        }

        /// The README's first command on a fresh clone: 21 example pipelines, most of their secrets unset. One
        /// line says what is unset and what it costs; no warning; the listening line comes after it.
        @Test func theFirstRunWithTheExamplePipelinesPrintsNoWarning() async throws {
            let folder = NSTemporaryDirectory() + "crisp-bridge-first-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let serve = try ChildProcess(
                [
                    "serve", "--sandbox", "--port", "0", "--sandbox-port", "0", "--pipelines",
                    ImportProcessTests.pipelines,
                ], workingDirectory: folder)
            defer { serve.stop() }
            _ = try await serve.waitFor("crisp-bridge listening on")
            let lines = serve.output.split(separator: "\n")
            #expect(!lines.contains { $0.contains(" warning ") || $0.contains(" error ") }, "\(serve.output)")
            let summary = try #require(lines.firstIndex { $0.contains("unset variable(s)") }, "\(serve.output)")
            #expect(lines[summary].contains("`crisp-bridge validate` says where each is read"))
            let listening = try #require(lines.firstIndex { $0.contains("crisp-bridge listening on") })
            #expect(summary < listening)
            #expect(lines.count < 20, "\(lines.count) lines before the first request: \(serve.output)")
        }

        @Test func anEmptyVerifySettingIsWarnedAboutNamingItsVariable() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox()
            h.serveEnvironment = ["TEST_WEBHOOK_PASSWORD": ""]
            try await h.startServe()
            let warning = try await h.serve!.waitFor(#"(verify\.basic\.password is empty[^\n]*)"#)
            #expect(warning.contains("(TEST_WEBHOOK_PASSWORD is unset or empty)"), "\(warning)")
            #expect(try await h.post(body: RuntimeHarness.signup("e", email: "e@x.io"), password: "").status == 401)
        }
    }
}
