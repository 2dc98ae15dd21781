import Foundation
import Testing

@testable import BridgeCore

/// The UTC day a Crisp request counts toward, computed without a calendar, agrees with Foundation's calendar.
@Suite struct CrispRequestCountTests {
    @Test func dayAgreesWithTheGregorianCalendarInUTC() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        // Every day from 1969 to 2101 at a few times of day, leap days and century years included.
        var seconds = -86_400.0 * 400
        while seconds < 4_133_980_800 {
            for offset in [0.0, 1, 43_200, 86_399.5] {
                let date = Date(timeIntervalSince1970: seconds + offset)
                #expect(CrispRequestCount.day(of: date) == formatter.string(from: date), "\(date)")
            }
            seconds += 86_400 * 7 + 3_600  // a week and an hour: every weekday and hour comes round
        }
        #expect(CrispRequestCount.day(of: Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29")
        #expect(CrispRequestCount.day(of: Date(timeIntervalSince1970: 4_107_542_399)) == "2100-02-28")
        #expect(CrispRequestCount.day(of: Date(timeIntervalSince1970: 4_107_542_400)) == "2100-03-01")
        #expect(CrispRequestCount.day(of: Date(timeIntervalSince1970: -1)) == "1969-12-31")
    }
}
