import BridgeCore
import Foundation
import Testing

/// The one time format, and the times an operator types (`events list --since`, the admin API).
@Suite struct BridgeTimeTests {
    let now = Date(timeIntervalSince1970: 1_765_117_408.125)  // 2025-12-07T14:23:28.125Z

    @Test func timesAreWrittenInUTCWithMilliseconds() {
        #expect(BridgeTime.iso(now) == "2025-12-07T14:23:28.125Z")
    }

    @Test func agesDatesAndTimesAreRead() {
        #expect(BridgeTime.parse("15m", now: now) == now.addingTimeInterval(-900))
        #expect(BridgeTime.parse("2d", now: now) == now.addingTimeInterval(-172_800))
        #expect(BridgeTime.parse("2025-12-07", now: now) == Date(timeIntervalSince1970: 1_765_065_600))
        #expect(BridgeTime.parse("2025-12-07T14:23:28Z", now: now) == Date(timeIntervalSince1970: 1_765_117_408))
        #expect(BridgeTime.parse("2025-12-07T14:23:28.125Z", now: now) == now)
        #expect(BridgeTime.parse("2024-02-29", now: now) != nil, "a leap day")
    }

    /// The parser would roll these over (February 30 as March 2): they are refused instead.
    @Test(arguments: [
        "2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-12-07T25:00:00Z",
        "2026-12-07T16:61:00Z", "2026-12-07T16:00:61Z", "-5m", "soon", "",
    ])
    func impossibleTimesAreRefused(text: String) {
        #expect(BridgeTime.parse(text, now: now) == nil, "\(text)")
    }
}
