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

        /// A value a rule left out is said in the record of the attempt that delivered the event: `events show`
        /// gives the warning (where, and what was left out) with the delivery.
        @Test func showGivesTheWarningsOfThePlanItDelivered() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try h.addPipeline(
                "signup",
                try RuntimeHarness.signupPipeline().replacingOccurrences(
                    of: #"person: { nickname: "${{ body.name }}" }"#,
                    with: #"person: { nickname: "${{ body.name }}", phone: "${{ phone(body.phone, \"NO\") }}" }"#))
            try await h.startSandbox()
            try await h.startServe()
            let body = #"{"id": "warned-1", "email": "ada@example.com", "name": "Ada", "n": 1, "phone": "12 34 56 78"}"#
            #expect(try await h.post(body: body).status == 202)
            let store = try h.store()
            #expect(try await h.eventually { try await store.counts(now: Date()).byStatus[.done] == 1 })
            let show = try ChildProcess(["events", "show", "warned-1", "--store", "sqlite:" + h.storePath])
            defer { show.stop() }
            #expect(try await show.waitForExit() == 0, "\(show.output)")
            let reason = try JSONValue.parse(Data(show.output.utf8))["attempts_log"][0]["reason"].stringValue ?? ""
            #expect(reason.hasPrefix("delivered 3 operations (warning: "), "\(reason)")
            #expect(reason.contains("signup.yaml:"), "where: \(reason)")
            #expect(
                reason.contains(
                    "phone: '12 34 56 78' is not a valid phone number for region NO; the value is left out"),
                "\(reason)")
            let crisp = h.crisp()
            defer { Task { try? await crisp.shutdown() } }
            #expect(try await crisp.profile("ada@example.com")?["person"]["phone"] == .null)
        }

        /// `events list` as an operator reads it: a header, ISO times with milliseconds, filters by pipeline,
        /// contact and time, JSON lines; the admin API gives the same fields and times.
        @Test func listHasAHeaderTimesFiltersAndJSON() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox()
            h.serveEnvironment = ["BRIDGE_ADMIN_TOKEN": "list-token"]
            try await h.startServe()
            for (id, email) in [("l-1", "ada@example.com"), ("l-2", "bob@example.com"), ("l-3", "ada@example.com")] {
                #expect(try await h.post(body: RuntimeHarness.signup(id, email: email)).status == 202)
            }
            let store = try h.store()
            #expect(try await h.eventually { try await store.counts(now: Date()).byStatus[.done] == 3 })
            func list(_ arguments: [String]) async throws -> String {
                let command = try ChildProcess(["events", "list", "--store", "sqlite:" + h.storePath] + arguments)
                defer { command.stop() }
                #expect(try await command.waitForExit() == 0, "\(command.output)")
                return command.output
            }
            let table = try await list([])
            let lines = table.split(separator: "\n").filter { !$0.hasPrefix("#") }
            #expect(lines.first == "ID\tSTATUS\tRECEIVED\tPIPELINE\tCONTACT\tATTEMPTS\tDEDUPE ID\tLAST ERROR")
            let row = lines.dropFirst().first.map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
            #expect(row?[2].wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(table)")
            #expect(row?[6] == "l-3", "newest first: \(table)")
            let ada = try await list(["--contact", "ADA@example.com", "--pipeline", "signup", "--since", "10m"])
            #expect(ada.split(separator: "\n").filter { $0.contains("\tdone\t") }.count == 2, "\(ada)")
            #expect(
                try await list(["--since", "2001-01-01", "--until", "2001-01-02"]).split(separator: "\n").count == 1)
            let json = try await list(["--json", "--limit", "2"])
            let objects = try json.split(separator: "\n").map { try JSONValue.parse(Data($0.utf8)) }
            #expect(objects.map { $0["dedupe_id"] } == ["l-3", "l-2"])
            #expect(objects.first?["received_at"].stringValue?.hasSuffix("Z") == true)
            let bad = try ChildProcess(["events", "list", "--since", "yesterday", "--store", "sqlite:" + h.storePath])
            defer { bad.stop() }
            #expect(try await bad.waitForExit() != 0)
            #expect(bad.output.contains("--since 'yesterday' is not a time"), "\(bad.output)")

            // events show lists what the attempt sent, operation by operation, with its result.
            let show = try ChildProcess(["events", "show", "l-2", "--store", "sqlite:" + h.storePath])
            defer { show.stop() }
            #expect(try await show.waitForExit() == 0)
            let shown = try JSONValue.parse(Data(show.output.utf8))
            let operations = shown["attempts_log"][0]["operations"].arrayValue ?? []
            #expect(
                operations.map {
                    "\($0["action"].stringValue ?? "") \($0["subject"].stringValue ?? ""): \($0["result"].stringValue ?? "")"
                }
                    == [
                        "crisp.profile bob@example.com: sent", "crisp.data bob@example.com: sent",
                        "crisp.event bob@example.com: sent",
                    ], "\(show.output)")

            let api = try await h.call("/admin/events?contact=ada@example.com&limit=1", bearer: "list-token")
            let answer = try JSONValue.parse(Data(api.body.utf8))
            #expect(answer["events"][0]["dedupe_id"] == "l-3", "\(api.body)")
            #expect(answer["events"][0]["received_at"].stringValue == objects.first?["received_at"].stringValue)
            #expect(answer["next_before"].numberValue != nil, "a full page says where the next starts")
            #expect(try await h.call("/admin/events?since=soon", bearer: "list-token").status == 400)
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
