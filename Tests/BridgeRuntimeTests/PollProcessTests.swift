import BridgeCore
import BridgeStore
import Foundation
import Synchronization
import Testing

/// `serve` polling a stand-in of the Sheets API, with a `kill -9` between polls: every new row reaches Crisp
/// (the sandbox) once.
extension ProcessTests {
    @Suite struct PollProcessTests {
        /// The recorded `values.get` answer the stand-in starts from.
        static var recordedValues: JSONValue {
            get throws {
                let file =
                    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent().path + "/pipelines/recordings/poll/sheets-values.json"
                return try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: file)))
            }
        }

        static func pipeline(_ base: String) -> String {
            """
            name: sheet-poll
            trigger:
              poll:
                every: 10s
                start: beginning
                request:
                  url: \(base)/v4/spreadsheets/sheet-1/values/${{ url_encode("Leads!A:Z") }}
                  headers: { authorization: "Bearer ${{ env.SHEETS_TOKEN }}" }
                items: sheet_rows(answer.values, cursor)
                id: concat("row-", string(event._row))
                cursor: length(answer.values)
            actions:
              - crisp.profile: { email: "${{ email(event.Email) }}" }
              - crisp.event: { email: "${{ email(event.Email) }}", text: Row added }
            """
        }

        @Test func newRowsReachCrispOnceAcrossThreePollsAndAKill() async throws {
            let rows = Mutex(try Self.recordedValues["values"].arrayValue ?? [])
            let api = try await StandInAPI.start(answering: { request in
                guard request.authorization == "Bearer sheets-token" else {
                    return StandInAPI.Answer(status: 401, body: #"{"error":{"code":401}}"#)
                }
                let values = rows.withLock { $0 }
                return StandInAPI.Answer(
                    body: JSONValue.object(["range": "Leads!A1:F1000", "values": .array(values)]).jsonText)
            })
            defer { Task { await api.stop() } }
            let h = try RuntimeHarness()
            defer { h.close() }
            try FileManager.default.removeItem(atPath: h.folder + "/pipelines/signup.yaml")
            try h.addPipeline("sheet-poll", Self.pipeline(api.baseURL))
            h.serveEnvironment["SHEETS_TOKEN"] = "sheets-token"
            try await h.startSandbox()
            try await h.startServe()

            let people = { (count: Int) in
                try await h.eventually(timeout: .seconds(40)) { try await h.sandboxPeople().count == count }
            }
            // The first poll runs at start: the two rows there.
            #expect(try await people(2))
            let store = try h.store()
            #expect(try await h.eventually { try await store.counts(now: Date()).byStatus[.done] == 2 })

            // Killed between polls; a row added meanwhile arrives with the next poll of the new process.
            h.serve?.signal(SIGKILL)
            _ = try await h.serve?.waitForExit()
            rows.withLock { $0.append(["2025-06-12 11:02:19", "charles@example.com", "Charles", "Babbage"]) }
            try await h.restartServe()
            #expect(try await people(3))

            rows.withLock { $0.append(["2025-06-12 11:15:40", "dora@example.com", "Dora"]) }
            #expect(try await people(4))
            #expect(try await h.eventually { try await store.counts(now: Date()).byStatus[.done] == 4 })

            let seen = try await h.sandboxPeople()
            for email in ["grace@example.com", "ada@example.com", "charles@example.com", "dora@example.com"] {
                #expect(seen[email]?.events == 1, "\(email): \(String(describing: seen[email]?.events)) event(s)")
            }
            #expect(api.requests.count >= 3)
            let state = try #require(try await store.pollStates().first)
            #expect(state.cursor == 5)
            #expect(state.itemsStored == 4)
            // The token never lands in the store.
            for event in try await store.events(status: nil, since: nil, limit: 10) {
                let request = try #require(try await store.request(event.requestID))
                #expect(!String(decoding: request.webhook.body, as: UTF8.self).contains("sheets-token"))
            }
        }

        /// A Sheets stand-in answering its rows, noting when each request came.
        final class Sheet: Sendable {
            let rows: Mutex<[JSONValue]>
            let times = Mutex<[Date]>([])

            init() throws { rows = Mutex(try PollProcessTests.recordedValues["values"].arrayValue ?? []) }

            func answer(_ request: StandInAPI.Received) -> StandInAPI.Answer {
                times.withLock { $0.append(Date()) }
                guard request.authorization == "Bearer sheets-token" else {
                    return StandInAPI.Answer(status: 401, body: #"{"error":{"code":401}}"#)
                }
                return StandInAPI.Answer(
                    body: JSONValue.object(["range": "Leads!A1:F1000", "values": .array(rows.withLock { $0 })]).jsonText
                )
            }
        }

        @Test func twoInstancesOnPostgreSQLPollOnceAtATime() async throws {
            let sheet = try Sheet()
            let api = try await StandInAPI.start(answering: sheet.answer)
            defer { Task { await api.stop() } }
            let h = try RuntimeHarness()
            defer { h.close() }
            try FileManager.default.removeItem(atPath: h.folder + "/pipelines/signup.yaml")
            try h.addPipeline("sheet-poll", Self.pipeline(api.baseURL))
            try await h.startSandbox()
            let database = try await TestPostgres.freshDatabase()
            var instances: [ChildProcess] = []
            defer { for instance in instances { instance.stop() } }
            for _ in 0..<2 {
                let instance = try ChildProcess(
                    [
                        "serve", "--pipelines", h.folder + "/pipelines", "--port", "0", "--store", database,
                        "--crisp-rate", "1000", "--log-level", "notice",
                    ],
                    environment: [
                        "CRISP_API_URL": h.sandboxURL, "CRISP_WEBSITE_ID": RuntimeHarness.website,
                        "CRISP_IDENTIFIER": "sandbox-identifier", "CRISP_KEY": "sandbox-key",
                        "SHEETS_TOKEN": "sheets-token",
                    ])
                instances.append(instance)
                _ = try await instance.waitFor(#"crisp-bridge listening on"#)
            }
            let people = { (count: Int) in
                try await h.eventually(timeout: .seconds(40)) { try await h.sandboxPeople().count == count }
            }
            #expect(try await people(2))
            sheet.rows.withLock { $0.append(["2025-06-12 11:02:19", "charles@example.com", "Charles", "Babbage"]) }
            #expect(try await people(3))
            // Wait for one more poll, then check that polls never came closer than the schedule allows.
            let polls = sheet.times.withLock { $0.count }
            #expect(try await h.eventually(timeout: .seconds(20)) { sheet.times.withLock { $0.count } > polls })
            let seen = sheet.times.withLock { $0 }
            for (earlier, later) in zip(seen, seen.dropFirst()) {
                #expect(later.timeIntervalSince(earlier) > 8, "two polls \(later.timeIntervalSince(earlier)) s apart")
            }
            let everyone = try await h.sandboxPeople()
            #expect(everyone.values.allSatisfy { $0.events == 1 }, "\(everyone.mapValues(\.events))")
        }

        @Test func pollOnceStoresWhatItFindsAndDryRunStoresNothing() async throws {
            let sheet = try Sheet()
            let api = try await StandInAPI.start(answering: sheet.answer)
            defer { Task { await api.stop() } }
            let h = try RuntimeHarness()
            defer { h.close() }
            try FileManager.default.removeItem(atPath: h.folder + "/pipelines/signup.yaml")
            try h.addPipeline("sheet-poll", Self.pipeline(api.baseURL))
            let store = "sqlite:" + h.storePath
            let run = { (arguments: [String]) async throws -> (Int32, String) in
                let child = try ChildProcess(
                    ["poll"] + arguments + ["--pipelines", h.folder + "/pipelines", "--store", store],
                    environment: ["SHEETS_TOKEN": "sheets-token"])
                defer { child.stop() }
                return (try await child.waitForExit(), child.output)
            }
            var (status, output) = try await run(["sheet-poll", "--once", "--dry-run"])
            #expect(status == 0, "\(output)")
            #expect(output.contains(#""email":"ada@example.com""#), "\(output)")
            #expect(output.contains("dry run: nothing stored"), "\(output)")
            #expect(!FileManager.default.fileExists(atPath: h.storePath))

            (status, output) = try await run(["sheet-poll", "--once"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("stored\trow-2") && output.contains("stored\trow-3"), "\(output)")
            #expect(output.contains("cursor unset → 3"), "\(output)")
            sheet.rows.withLock { $0.append(["2025-06-12 11:02:19", "charles@example.com", "Charles", "Babbage"]) }
            (status, output) = try await run(["sheet-poll", "--once"])
            #expect(output.contains("stored\trow-4") && !output.contains("row-2"), "\(output)")
            (status, output) = try await run([])
            #expect(output.contains("poll sheet-poll: cursor 4"), "\(output)")
            #expect(output.contains("3 item(s) stored"), "\(output)")

            // A wrong token: the poll fails, says why, and the cursor stays.
            let child = try ChildProcess(
                ["poll", "sheet-poll", "--once", "--pipelines", h.folder + "/pipelines", "--store", store],
                environment: ["SHEETS_TOKEN": "wrong-token"])
            defer { child.stop() }
            #expect(try await child.waitForExit() != 0)
            #expect(
                child.output.contains("answered 401") && child.output.contains("the cursor stays 4"), "\(child.output)")
            #expect(!child.output.contains("wrong-token"))
            (_, output) = try await run(["sheet-poll"])
            #expect(output.contains("1 failure(s) in a row"), "\(output)")
            // Set back by hand: the rows after it come again, but what was stored is not stored twice.
            (status, output) = try await run(["sheet-poll", "--set-cursor", "2"])
            #expect(status == 0 && output.contains("cursor set to 2"), "\(output)")
            (status, output) = try await run(["sheet-poll", "--once"])
            #expect(output.contains("seen before\trow-3") && output.contains("seen before\trow-4"), "\(output)")
            (status, output) = try await run(["sheet-poll", "--set-cursor", "not json"])
            #expect(status != 0 && output.contains("--set-cursor takes JSON"), "\(output)")
        }
    }
}
