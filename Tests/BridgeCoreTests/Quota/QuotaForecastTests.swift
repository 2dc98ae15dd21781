import BridgeCore
import Foundation
import Testing

@Suite struct QuotaForecastTests {
    let midnight = Date(timeIntervalSince1970: 1_765_065_600)  // 2025-12-07T00:00:00Z

    @Test func aBurstJustAfterMidnightForecastsNothing() {
        let early = QuotaForecast(used: 14, quota: 10_000, now: midnight.addingTimeInterval(60))
        #expect(early.forecast == nil)
        #expect(early.summary.hasPrefix("Too early in the day to forecast"), "\(early.summary)")
        #expect(early.summary.contains("14 used so far"))
    }

    @Test func laterTheDaysPaceIsExtrapolated() {
        let noon = QuotaForecast(used: 6_000, quota: 10_000, now: midnight.addingTimeInterval(12 * 3600))
        #expect(noon.forecast == 12_000)
        #expect(noon.summary == "At today's pace: about 12000 by the end of the day (over the quota)")
        let evening = QuotaForecast(used: 3_000, quota: 10_000, now: midnight.addingTimeInterval(18 * 3600))
        #expect(evening.forecast == 4_000 && !evening.summary.contains("over"))
    }
}
