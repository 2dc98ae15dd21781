import BridgeCore
import BridgeStore
import Foundation
import Testing

/// What the console and the admin API ask of every store.
extension StoreConformance {
    static func jsonRequest(_ pipeline: String, _ body: String, topic: String, at: Date) -> IncomingRequest {
        IncomingRequest(
            pipeline: pipeline,
            webhook: WebhookRequest(
                method: "POST", path: "/hooks/x", query: "",
                headers: ["content-type": "application/json", "x-topic": topic], body: Data(body.utf8),
                receivedAt: at))
    }

    /// The console's filters: a field of the stored request (JSON body, header; case ignored; a body that is not
    /// JSON has no field), pipelines, the dedupe id, the last error, ids; counts and ids without a page's limit;
    /// a field search reads a window of ids at a time and says where the next window starts.
    static func consoleFilters(_ store: any BridgeStore) async throws {
        let t = Date(timeIntervalSince1970: 1_760_000_000)
        let bodies = [
            ("a", #"{"current":{"email":"Ada@Example.com"},"items":[{"id":7}]}"#, "customers/create"),
            ("b", #"{"current":{"email":"bob@example.com"},"items":[{"id":8}]}"#, "customers/update"),
            ("a", "not json at all", "customers/create"),
            ("c", #"{"current":{"email":"ada@example.com"}}"#, "customers/update"),
            ("a", #"{"current":{"email":"eve@example.com"},"items":[{"id":7}]}"#, "customers/create"),
        ]
        var ids: [Int64] = []
        for (i, (pipeline, body, topic)) in bodies.enumerated() {
            let accepted = try await store.accept(
                jsonRequest(pipeline, body, topic: topic, at: t.addingTimeInterval(Double(i))),
                events: [.init(index: 0, dedupeID: "d\(i)")])
            ids.append(accepted[0].eventID)
        }
        func dedupes(_ filter: EventFilter) async throws -> [String] {
            try await store.events(matching: filter).map(\.dedupeID)
        }
        var filter = EventFilter()
        filter.field = try RequestField(text: "body.current.email = ADA@example.com")
        #expect(try await dedupes(filter) == ["d3", "d0"])
        #expect(try await store.count(matching: filter) == 2)
        filter.field = try RequestField(text: "body.items.0.id=7")
        #expect(try await dedupes(filter) == ["d4", "d0"])
        filter.field = try RequestField(text: "headers.X-Topic = customers/update")
        #expect(try await dedupes(filter) == ["d3", "d1"])
        filter.field = try RequestField(text: "body.missing.path = x")
        #expect(try await dedupes(filter).isEmpty)
        filter.pipeline = "a"
        filter.field = try RequestField(text: "headers.x-topic = customers/create")
        #expect(try await dedupes(filter) == ["d4", "d2", "d0"], "the body that is not JSON still has headers")

        var byPipelines = EventFilter()
        byPipelines.pipelines = ["b", "c"]
        #expect(try await dedupes(byPipelines) == ["d3", "d1"])
        byPipelines.pipelines = []
        #expect(try await dedupes(byPipelines).isEmpty)
        var byID = EventFilter()
        byID.dedupeID = "d2"
        #expect(try await dedupes(byID) == ["d2"])
        var byIDs = EventFilter()
        byIDs.ids = [ids[1], ids[4]]
        #expect(try await dedupes(byIDs) == ["d4", "d1"])

        try await store.finish(eventID: ids[0], outcome: .dead(reason: "Crisp 400 invalid_data", status: 400), at: t)
        try await store.finish(eventID: ids[2], outcome: .dead(reason: "fetch 401", status: 401), at: t)
        var byError = EventFilter()
        byError.lastErrors = ["fetch 401", "no such reason"]
        #expect(try await dedupes(byError) == ["d2"])
        #expect(try await store.count(matching: EventFilter(status: .pending)) == 3)
        #expect(try await store.eventIDs(matching: EventFilter(status: .pending, limit: 2)) == [ids[4], ids[3]])
        #expect(try await store.latestEventID() == ids[4])

        // A field search, two ids at a time: the first window (d4, d3) matches d3; the next starts below it.
        var search = EventFilter(limit: 10)
        search.field = try RequestField(text: "body.current.email = ada@example.com")
        let first = try await store.page(matching: search, window: 2)
        #expect(first.events.map(\.dedupeID) == ["d3"])
        #expect(first.searched == ids[3]...ids[4] && first.nextBefore == ids[3])
        search.before = first.nextBefore
        let second = try await store.page(matching: search, window: 2)
        #expect(second.events.isEmpty && second.searched == ids[1]...ids[2])
        search.before = second.nextBefore
        let third = try await store.page(matching: search, window: 2)
        #expect(third.events.map(\.dedupeID) == ["d0"] && third.nextBefore == nil)
    }

    /// The quick test of a body's bytes only narrows: the value elsewhere in the body, in a body that is not
    /// JSON, or in other case, is judged by the JSON field itself.
    static func fieldSearchPrefilterOnlyNarrows(_ store: any BridgeStore) async throws {
        let t = Date(timeIntervalSince1970: 1_760_000_000)
        let bodies = [
            Data(#"{"current":{"email":"other@x.io"},"note":"ada@x.io"}"#.utf8),
            Data("plain text naming ada@x.io".utf8),
            Data(#"{"current":{"email":"ADA@X.IO"}}"#.utf8), Data(#"{"current":{"email":"ada@x.io.evil"}}"#.utf8),
            Data([0xFF, 0xFE]) + Data(" not UTF-8 ada@x.io".utf8),
        ]
        for (i, body) in bodies.enumerated() {
            var request = jsonRequest("p", "", topic: "t", at: t)
            request.webhook.body = body
            _ = try await store.accept(request, events: [.init(index: 0, dedupeID: "b\(i)")])
        }
        var filter = EventFilter()
        filter.field = try RequestField(text: "body.current.email = ada@x.io")
        #expect(try await store.events(matching: filter).map(\.dedupeID) == ["b2"])
        filter.field = try RequestField(text: "body.note = Ada@X.io")
        #expect(try await store.events(matching: filter).map(\.dedupeID) == ["b0"])
    }

    /// Dead events counted by pipeline and reason with first and last seen; the day's activity (received,
    /// attempts by outcome over the hour and the day, the backlog and its oldest event, deliveries per minute);
    /// the audit log, newest first.
    static func failuresActivityAndAudit(_ store: any BridgeStore) async throws {
        let now = Date(timeIntervalSince1970: 1_760_000_000)
        let old = now.addingTimeInterval(-5 * 3600)
        var ids: [Int64] = []
        for (i, (pipeline, at)) in [("a", old), ("a", now), ("a", now), ("b", now), ("b", old)].enumerated() {
            ids.append(
                try await store.accept(request(pipeline, at: at), events: [.init(index: 0, dedupeID: "x\(i)")])[0]
                    .eventID)
        }
        try await store.finish(eventID: ids[0], outcome: .dead(reason: "r1", status: 400), at: old)
        try await store.finish(eventID: ids[1], outcome: .dead(reason: "r1", status: 400), at: now)
        try await store.finish(eventID: ids[2], outcome: .delivered(operations: 2, unchanged: 0), at: now)
        try await store.finish(eventID: ids[3], outcome: .dead(reason: "r2", status: 401), at: now)
        let counts = try await store.failureCounts().sorted { ($0.pipeline, $0.reason) < ($1.pipeline, $1.reason) }
        #expect(
            counts == [
                FailureCount(pipeline: "a", reason: "r1", count: 2, first: old, last: now),
                FailureCount(pipeline: "b", reason: "r2", count: 1, first: now, last: now),
            ])

        let activity = try await store.activity(now: now.addingTimeInterval(1))
        #expect(activity.received["a"] == .init(hour: 2, day: 3) && activity.received["b"] == .init(hour: 1, day: 2))
        #expect(activity.outcomes["a"]?["dead"] == .init(hour: 1, day: 2))
        #expect(activity.outcomes["a"]?["done"] == .init(hour: 1, day: 1))
        #expect(activity.outcomes["b"]?["dead"] == .init(hour: 1, day: 1))
        #expect(activity.backlog["b"] == .init(count: 1, oldest: old) && activity.backlog["a"] == nil)
        #expect(activity.dead == ["a": .init(hour: 1, day: 2), "b": .init(hour: 1, day: 1)])
        _ = try await store.replay(ids: [ids[1]], now: now)
        let replayed = try await store.activity(now: now.addingTimeInterval(1))
        #expect(replayed.dead["a"] == .init(hour: 0, day: 1), "a replayed event is not dead any more")
        let minute = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60)
        #expect(activity.deliveredPerMinute == [minute: 1])

        try await store.record(AuditEntry(at: old, actor: "console admin", action: "login", detail: "from x", count: 0))
        try await store.record(
            AuditEntry(at: now, actor: "admin API", action: "bulk replay", detail: "group g", count: 42))
        let entries = try await store.auditEntries(limit: 10)
        #expect(entries.map(\.action) == ["bulk replay", "login"])
        #expect(entries[0].actor == "admin API" && entries[0].count == 42 && entries[0].at == now)
        #expect(try await store.auditEntries(limit: 1).count == 1)
    }
}

extension StoreBackendTests {
    @Test(arguments: Backend.allCases) func consoleFilters(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.consoleFilters)
    }

    @Test(arguments: Backend.allCases) func fieldSearchPrefilterOnlyNarrows(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.fieldSearchPrefilterOnlyNarrows)
    }

    @Test(arguments: Backend.allCases) func failuresActivityAndAudit(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.failuresActivityAndAudit)
    }
}
