import Foundation
import Testing

@testable import BridgeStore

/// One statement, two dialects: every value is bound (never spliced into the text) and numbered in order.
@Suite struct StoreStatementTests {
    @Test func valuesAreBoundInTheirOrderInEachDialect() {
        let statement: StoreStatement =
            "UPDATE events SET lease_until = \(12.5) WHERE id \(in: [Int64(3), 4]) AND pipeline = \("a'b")\(only: .postgres, " FOR UPDATE")"
        let sqlite = statement.rendered(.sqlite)
        #expect(sqlite.sql == "UPDATE events SET lease_until = ? WHERE id IN (?, ?) AND pipeline = ?")
        #expect(sqlite.values == [.real(12.5), .integer(3), .integer(4), .text("a'b")])
        let postgres = statement.rendered(.postgres)
        #expect(postgres.sql == "UPDATE events SET lease_until = $1 WHERE id = ANY($2) AND pipeline = $3 FOR UPDATE")
        #expect(postgres.values == [.real(12.5), .integers([3, 4]), .text("a'b")])
        #expect(!statement.hasFixedText)
    }

    @Test func anEmptyListMatchesNothingAndNilIsNull() {
        let none: String? = nil
        let statement: StoreStatement = "DELETE FROM contact_fields WHERE field \(in: [String]()) OR contact = \(none)"
        #expect(statement.rendered(.sqlite).sql == "DELETE FROM contact_fields WHERE field IN (NULL) OR contact = ?")
        #expect(statement.rendered(.sqlite).values == [.null])
        #expect(statement.rendered(.postgres).values == [.texts([]), .null])
    }

    @Test func joinedStatementsNumberOnAcrossTheJoin() {
        let joined = StoreRules.requeue(where: "id \(in: [Int64(7)])", now: 1, due: 1, force: false, fromStart: true)
        let (sql, values) = joined.rendered(.postgres)
        #expect(sql.hasSuffix("AND (id = ANY($\(values.count))) RETURNING id"))
        #expect(values.last == .integers([7]))
        #expect(StoreRules.claimDue(now: 1, held: 1, lease: 10, limit: 5, pipelines: nil).hasFixedText)
    }

    /// A list bound as one value keeps the statement's text the same whatever its length (a cached statement).
    @Test func aFixedMembershipBindsOneValueInEachDialect() {
        let two = StoreRules.claimDue(now: 1, held: 1, lease: 10, limit: 5, pipelines: ["a", "b\"c"])
        let one = StoreRules.claimDue(now: 1, held: 1, lease: 10, limit: 5, pipelines: ["a"])
        #expect(two.hasFixedText && two.rendered(.sqlite).sql == one.rendered(.sqlite).sql)
        #expect(two.rendered(.sqlite).sql.contains("pipeline IN (SELECT value FROM json_each(?))"))
        #expect(two.rendered(.sqlite).values.contains(.text(#"["a","b\"c"]"#)))
        #expect(two.rendered(.postgres).values.contains(.texts(["a", "b\"c"])))
    }
}

/// SQLite's planner would answer a count by pipeline of one status's events by walking the whole index on
/// pipeline (to skip the grouping's sort): half a second at a million events. The statements name the index
/// they need; this holds them to it.
@Suite struct SQLitePlanTests {
    @Test func countsByPipelineGoThroughTheIndexTheyName() async throws {
        let folder = NSTemporaryDirectory() + "plans-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try SQLiteBridgeStore(path: folder + "/bridge.sqlite")
        // The planner chooses by the table's statistics: those of a store of 20,000 events, nearly all done.
        _ = try await store.writtenRecords(
            StoreQuery(
                statement:
                    "INSERT INTO requests (id, pipeline, method, path, query, headers, body, received_at) VALUES (1, 'p', 'POST', '/', '', '{}', x'', 0)"
            ))
        _ = try await store.writtenRecords(
            StoreQuery(
                statement: """
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                    INSERT INTO events (request_id, pipeline, event_index, dedupe_id, status, created_at, updated_at,
                        contact)
                    SELECT 1, 'p' || (i % 2), 0, 'd' || i, CASE WHEN i % 50 = 0 THEN 'dead' ELSE 'done' END, i, i,
                        'c' || i FROM n
                    """))
        _ = try await store.writtenRecords(StoreQuery(statement: "ANALYZE"))
        let statements: [(StoreStatement, String)] = [
            (StoreRules.pendingByPipeline, "events_status_id"), (StoreRules.backlog, "events_status_id"),
            (StoreRules.deadByError, "events_status_id"),
            (StoreRules.deadNow(dayStart: 0, hourStart: 0), "events_status_id"),
            (StoreRules.received(dayStart: 0, hourStart: 0), "events_created"),
            (StoreRules.events(EventFilter(status: .dead)), "events_status_id"),
            (StoreRules.events(EventFilter(pipeline: "p")), "events_pipeline_id"),
        ]
        for (statement, index) in statements {
            let plan = try await store.records(StoreQuery(statement: "EXPLAIN QUERY PLAN " + statement))
                .compactMap { $0.text("detail") }.joined(separator: "; ")
            #expect(plan.contains("INDEX \(index)") && !plan.contains("SCAN events"), "\(plan)")
        }
    }
}
