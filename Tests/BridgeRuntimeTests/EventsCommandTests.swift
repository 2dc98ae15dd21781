import BridgeCore
import Foundation
import Testing

/// `crisp-bridge events` as an operator uses it, against what `serve` stored.
extension ProcessTests {
    @Suite struct EventsCommandTests {
        @Test func showTakesTheIdThe202AnswerPrintedAndGivesEachAttemptsStatusDurationAndReason() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox(["--fail-rate", "1"])  // every call answers 500 or 503
            try await h.startServe()
            let answer = try await h.post(body: RuntimeHarness.signup("sign-up-77", email: "ada@example.com"))
            #expect(answer.json?["ids"] == ["sign-up-77"])
            let store = try h.store()
            #expect(try await h.eventually { try await store.attempts(eventID: 1).count >= 1 })

            for id in ["sign-up-77", "1"] {
                let show = try ChildProcess(["events", "show", id, "--store", "sqlite:" + h.storePath])
                defer { show.stop() }
                #expect(try await show.waitForExit() == 0, "\(show.output)")
                let shown = try JSONValue.parse(Data(show.output.utf8))
                #expect(shown["dedupe_id"] == "sign-up-77")
                let attempt = shown["attempts_log"][0]
                #expect(attempt["outcome"] == "retry", "\(show.output)")
                #expect(attempt["http_status"] == 500 || attempt["http_status"] == 503)
                #expect(attempt["reason"].stringValue?.contains("injected") == true, "\(show.output)")
                #expect((attempt["duration_ms"].numberValue ?? -1) >= 0, "\(show.output)")
            }
            let missing = try ChildProcess(["events", "show", "no-such-id", "--store", "sqlite:" + h.storePath])
            defer { missing.stop() }
            #expect(try await missing.waitForExit() != 0)
            #expect(missing.output.contains("no event numbered or with the id 'no-such-id'"))
            let replayMissing = try ChildProcess(["events", "replay", "no-such-id", "--store", "sqlite:" + h.storePath])
            defer { replayMissing.stop() }
            #expect(try await replayMissing.waitForExit() != 0)
            #expect(replayMissing.output.contains("nothing replayed"), "\(replayMissing.output)")
        }

        @Test func aSecondServeOnOneSQLiteFileIsRefused() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox()
            try await h.startServe()
            let second = try ChildProcess(
                ["serve", "--pipelines", h.folder + "/pipelines", "--port", "0", "--store", "sqlite:" + h.storePath],
                environment: [
                    "CRISP_API_URL": h.sandboxURL, "CRISP_WEBSITE_ID": RuntimeHarness.website,
                    "CRISP_IDENTIFIER": "sandbox-identifier", "CRISP_KEY": "sandbox-key",
                    "TEST_WEBHOOK_PASSWORD": RuntimeHarness.password,
                ])
            defer { second.stop() }
            #expect(try await second.waitForExit() != 0)
            #expect(second.output.contains("another crisp-bridge serve is using the store"), "\(second.output)")
            #expect(try await h.post(body: RuntimeHarness.signup("still-1", email: "ada@example.com")).status == 202)
        }

        @Test func readingCommandsRefuseAStoreThatDoesNotExistAndCreateNothing() async throws {
            let folder = NSTemporaryDirectory() + "crisp-bridge-nostore-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: folder) }
            for arguments in [["events", "list"], ["events", "show", "1"], ["events", "replay", "1"]] {
                let command = try ChildProcess(arguments + ["--store", "sqlite:\(folder)/x.sqlite"])
                defer { command.stop() }
                #expect(try await command.waitForExit() != 0)
                #expect(command.output.contains("no store at \(folder)/x.sqlite"), "\(command.output)")
                #expect(!FileManager.default.fileExists(atPath: folder), "\(arguments) created \(folder)")
            }
        }
    }
}
