import Foundation
import Testing

@testable import BridgeRuntime

/// The loop guard counts writes per conversation in a sliding window.
@Suite struct ConversationGuardTests {
    @Test func writesBeyondTheLimitInTheWindowAreRefusedPerSession() async {
        let guardian = ConversationGuard(limit: 3, window: 600)
        let start = Date()
        for n in 0..<3 {
            #expect(await guardian.allows("session_a", now: start.addingTimeInterval(Double(n))))
            await guardian.record("session_a", now: start.addingTimeInterval(Double(n)))
        }
        #expect(await !guardian.allows("session_a", now: start.addingTimeInterval(10)))
        // Another conversation is not affected; reads (allows without record) do not count.
        #expect(await guardian.allows("session_b", now: start.addingTimeInterval(10)))
        #expect(await guardian.allows("session_b", now: start.addingTimeInterval(11)))
        // Ten minutes after the first write, one more is allowed.
        #expect(await guardian.allows("session_a", now: start.addingTimeInterval(600.5)))
        #expect(await guardian.allows("session_a", now: start.addingTimeInterval(601.5)))
        // Off with 0.
        let off = ConversationGuard(limit: 0)
        for _ in 0..<50 { await off.record("s", now: Date()) }
        #expect(await off.allows("s", now: Date()))
    }
}
