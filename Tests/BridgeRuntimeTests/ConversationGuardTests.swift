import BridgeStore
import Foundation
import Testing

@testable import BridgeRuntime

/// The loop guard counts writes per conversation in a sliding window, in the store: every instance sharing it
/// sees the writes of the others.
@Suite struct ConversationGuardTests {
    @Test func writesBeyondTheLimitInTheWindowAreRefusedPerSession() async throws {
        let folder = NSTemporaryDirectory() + "crisp-bridge-guard-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try SQLiteBridgeStore(path: folder + "/bridge.sqlite")
        let guardian = ConversationGuard(limit: 3, window: 600, ledger: store)
        let start = Date()
        for n in 0..<3 {
            #expect(try await guardian.allows("session_a", now: start.addingTimeInterval(Double(n))))
            try await guardian.record("session_a", now: start.addingTimeInterval(Double(n)))
        }
        #expect(try await !guardian.allows("session_a", now: start.addingTimeInterval(10)))
        // Another conversation is not affected; reads (allows without record) do not count.
        #expect(try await guardian.allows("session_b", now: start.addingTimeInterval(10)))
        #expect(try await guardian.allows("session_b", now: start.addingTimeInterval(11)))
        // Ten minutes after the first write, one more is allowed.
        #expect(try await guardian.allows("session_a", now: start.addingTimeInterval(600.5)))
        #expect(try await !guardian.allows("session_a", now: start.addingTimeInterval(599.5)))
        // A write records and forgets those past the window: the table holds one window of writes.
        try await guardian.record("session_b", now: start.addingTimeInterval(1300))
        #expect(try await store.conversationWrites(session: "session_a", since: .distantPast) == 0)
        #expect(try await store.conversationWrites(session: "session_b", since: .distantPast) == 1)
        // Off with 0.
        let off = ConversationGuard(limit: 0, ledger: store)
        for _ in 0..<50 { try await off.record("s", now: Date()) }
        #expect(try await off.allows("s", now: Date()))
        #expect(try await store.conversationWrites(session: "s", since: .distantPast) == 0, "off counts nothing")
    }

    /// Two instances on one PostgreSQL database (two stores, two pools): the limit holds for both together,
    /// not once per instance.
    @Test func theLimitHoldsAcrossTwoInstancesOnPostgreSQL() async throws {
        let url = try await TestPostgres.freshDatabase()
        let one = try await PostgresBridgeStore(url: url, poolSize: 2, logger: TestPostgres.logger)
        let two = try await PostgresBridgeStore(url: url, poolSize: 2, logger: TestPostgres.logger)
        defer {
            one.shutdown()
            two.shutdown()
        }
        let first = ConversationGuard(limit: 4, window: 600, ledger: one)
        let second = ConversationGuard(limit: 4, window: 600, ledger: two)
        let now = Date()
        var allowed = 0
        // The instances take turns, as two serve processes delivering hooks of one conversation would.
        for n in 0..<10 {
            let instance = n.isMultiple(of: 2) ? first : second
            let at = now.addingTimeInterval(Double(n))
            if try await instance.allows("session_loop", now: at) {
                allowed += 1
                try await instance.record("session_loop", now: at)
            }
        }
        #expect(allowed == 4, "four writes in all, not four per instance")
        #expect(try await !first.allows("session_loop", now: now.addingTimeInterval(20)))
        #expect(try await !second.allows("session_loop", now: now.addingTimeInterval(20)))
        #expect(try await second.allows("session_other", now: now.addingTimeInterval(20)))
    }
}
