import Foundation
import Testing

/// `crisp-bridge init` as a user runs it in an empty project: the starter, then `validate` and `test` on it.
extension ProcessTests {
    @Suite struct InitCommandTests {
        static func run(_ arguments: [String], in folder: String) async throws -> (Int32, String) {
            let process = try ChildProcess(arguments, workingDirectory: folder)
            defer { process.stop() }
            let status = try await process.waitForExit()
            return (status, process.output)
        }

        @Test func aStarterWrittenByInitPassesValidateAndTest() async throws {
            let project = NSTemporaryDirectory() + "crisp-bridge-init-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: project) }

            let (listed, list) = try await Self.run(["init"], in: project)
            #expect(listed == 0)
            #expect(list.contains("google-sheets") && list.contains("hmac"))

            let (status, output) = try await Self.run(["init", "google-sheets", "--name", "leads"], in: project)
            #expect(status == 0, "\(output)")
            for file in [
                "pipelines/leads.yaml", "pipelines/leads.test.yaml", "pipelines/leads.gs",
                "schema/pipeline.schema.json", "schema/test.schema.json",
            ] {
                #expect(FileManager.default.fileExists(atPath: "\(project)/\(file)"), "\(file)")
            }
            #expect(output.contains("SHEETS_WEBHOOK_SECRET"), "it says which variables serve needs")
            let (valid, validation) = try await Self.run(["validate"], in: project)
            #expect(valid == 0, "\(validation)")
            let (passed, tests) = try await Self.run(["test"], in: project)
            #expect(passed == 0, "\(tests)")
            #expect(tests.contains("1 passed, 0 failed"), "\(tests)")

            // A changed mapping: `test` fails; `test --update` rewrites the expectation, says so and exits 0 (it
            // did what was asked); then `test` passes.
            let yaml = project + "/pipelines/leads.yaml"
            let original = try String(contentsOfFile: yaml, encoding: .utf8)
            let changed = original.replacingOccurrences(of: "segments: [google-sheets,", with: "segments: [sheets,")
            #expect(changed != original, "the starter's segments are where this test expects them")
            try changed.write(toFile: yaml, atomically: true, encoding: .utf8)
            let (failing, failure) = try await Self.run(["test"], in: project)
            #expect(failing == 1 && failure.contains("0 passed, 1 failed"), "\(failure)")
            let (updatedStatus, updated) = try await Self.run(["test", "--update"], in: project)
            #expect(updatedStatus == 0, "\(updated)")
            #expect(
                updated.contains("updated 1 case(s) in 1 file(s)") && updated.contains("0 passed, 1 updated, 0 failed"),
                "\(updated)")
            let (again, rerun) = try await Self.run(["test"], in: project)
            #expect(again == 0 && rerun.contains("1 passed, 0 failed"), "\(rerun)")

            // serve --sandbox takes the sandbox's fault options, checked as the standalone sandbox checks them.
            let (badShare, shareError) = try await Self.run(
                ["serve", "--sandbox", "--sandbox-fail-rate", "2"], in: project)
            #expect(
                badShare != 0 && shareError.contains("--sandbox-fail-rate takes a share from 0 to 1"), "\(shareError)")
            let (badLatency, latencyError) = try await Self.run(
                ["serve", "--sandbox", "--sandbox-latency=-1"], in: project)
            #expect(badLatency != 0 && latencyError.contains("--sandbox-latency takes milliseconds"), "\(latencyError)")

            try "name: mine\n".write(toFile: project + "/pipelines/leads.yaml", atomically: true, encoding: .utf8)
            let (refused, why) = try await Self.run(["init", "google-sheets", "--name", "leads"], in: project)
            #expect(refused == 1)
            #expect(why.contains("not overwriting pipelines/leads.yaml"), "\(why)")
        }
    }
}
