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
    }
}
