import BridgeCore
import BridgeRuntime
import BridgeStore
import Foundation
import Synchronization
import Testing

/// The Google Sheets poll reads only a sheet's new rows (with its header), against a local stand-in of Sheets'
/// `values:batchGet` (real HTTP on loopback) holding 50,000 rows: the whole range once, then from the last row
/// seen; rows deleted above it send the next poll back to the whole range.
@Suite struct SheetsPollTests {
    /// A sheet in memory answering `values:batchGet` as Google does: each range's rows (trailing empty rows
    /// left out) with the range it covers, and no `values` when there is none.
    final class Sheet: Sendable {
        let rows: Mutex<[[String]]>
        /// The ranges each request asked for, and the rows each answer carried.
        let asked = Mutex<[[String]]>([])
        let answered = Mutex<[Int]>([])

        init(rows: Int) {
            var all = [["Email", "Name"]]
            for n in 0..<rows { all.append(["person\(n)@example.com", "Person \(n)"]) }
            self.rows = Mutex(all)
        }

        func answer(_ request: StandInAPI.Received) -> StandInAPI.Answer {
            guard request.path.hasSuffix("/values:batchGet") else { return StandInAPI.Answer(status: 404) }
            let ranges = request.query.split(separator: "&").compactMap { pair -> String? in
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0] == "ranges" else { return nil }
                return String(parts[1]).removingPercentEncoding
            }
            asked.withLock { $0.append(ranges) }
            let sheet = rows.withLock { $0 }
            var valueRanges: [JSONValue] = []
            var carried = 0
            for range in ranges {
                // Leads!A{first}:B{last?}
                let cells = range.split(separator: "!")[1].split(separator: ":")
                let first = Int(cells[0].drop { $0.isLetter }) ?? 1
                let last = min(Int(cells[1].drop { $0.isLetter }) ?? sheet.count, sheet.count)
                var out: JSONValue = [
                    "range": .string("Leads!A\(first):B\(max(last, first))"), "majorDimension": "ROWS",
                ]
                if first <= last {
                    let values = sheet[(first - 1)..<last].map { JSONValue.array($0.map { .string($0) }) }
                    out =
                        out.objectValue.map { o in
                            var o = o
                            o["values"] = .array(values)
                            return .object(o)
                        } ?? out
                    carried += values.count
                }
                valueRanges.append(out)
            }
            answered.withLock { $0.append(carried) }
            return StandInAPI.Answer(body: JSONValue.object(["valueRanges": .array(valueRanges)]).jsonText)
        }
    }

    @Test func theSecondPollOfFiftyThousandRowsReadsOnlyTheNewOnes() async throws {
        let sheet = Sheet(rows: 50_000)
        let api = try await StandInAPI.start(answering: sheet.answer)
        defer { Task { await api.stop() } }
        // The ready pipeline's trigger, on the stand-in.
        let s = try PollTests.setup(
            """
            name: sheet-poll
            trigger:
              poll:
                every: 1m
                start: now
                request:
                  url: \(api.baseURL)/v4/spreadsheets/sheet-1/values:batchGet
                  query:
                    majorDimension: ROWS
                    ranges: ${{ sheet_poll_ranges("Leads!A:B", cursor) }}
                items: sheet_rows(answer, cursor)
                id: concat("row-", string(event._row), "-", sha256(json(event)))
                cursor: sheet_cursor(answer, cursor)
            actions:
              - crisp.profile: { email: "${{ email(event.Email) }}" }
            """, environment: [:])
        defer { try? FileManager.default.removeItem(atPath: s.folder) }

        // The first poll reads the whole range and notes where it ends.
        let (first, _) = try await s.poller.pollIfDue(force: true)
        #expect(first?.failure == nil, "\(first?.failure?.reason ?? "")")
        #expect(first?.stored.isEmpty == true, "start: now stores nothing")
        #expect(sheet.asked.withLock { $0 } == [["Leads!A1:B"]])
        #expect(sheet.answered.withLock { $0 } == [50_001])
        #expect(try await cursor(s) == ["row": 50_001, "polls": 1])

        // Three rows appended: the second poll reads the header and the rows from the last one seen.
        sheet.rows.withLock { rows in
            for n in 0..<3 { rows.append(["new\(n)@example.com", "New \(n)"]) }
        }
        let (second, _) = try await s.poller.pollIfDue(force: true)
        #expect(second?.failure == nil, "\(second?.failure?.reason ?? "")")
        #expect(sheet.asked.withLock { $0.last } == ["Leads!A1:B1", "Leads!A50001:B"])
        #expect(sheet.answered.withLock { $0.last } == 5, "the header, the last row seen and the 3 new ones")
        #expect(second?.stored.count == 3)
        #expect(second?.stored.map { $0.dedupeID.hasPrefix("row-5000") } == [true, true, true])
        #expect(try await cursor(s) == ["row": 50_004, "polls": 2])
        let pending = try await s.store.stats().byStatus.values.reduce(0, +)
        #expect(pending == 3, "nothing of the 50,000 rows seen before is stored")

        // Ten rows deleted: the last row seen is gone, so the next poll reads it all and goes on from there.
        sheet.rows.withLock { $0.removeLast(10) }
        _ = try await s.poller.pollIfDue(force: true)
        #expect(try await cursor(s) == ["row": 50_004, "polls": 3, "full": true])
        _ = try await s.poller.pollIfDue(force: true)
        #expect(sheet.asked.withLock { $0.last } == ["Leads!A1:B"])
        #expect(try await cursor(s) == ["row": 49_994, "polls": 4])
        sheet.rows.withLock { $0.append(["after@example.com", "After"]) }
        let (after, _) = try await s.poller.pollIfDue(force: true)
        #expect(sheet.asked.withLock { $0.last } == ["Leads!A1:B1", "Leads!A49994:B"])
        #expect(after?.stored.count == 1, "the row appended after the deletion is sent")
    }

    func cursor(_ s: PollTests.Setup) async throws -> JSONValue? {
        try await s.store.pollStates().first?.cursor
    }
}
