import Foundation

/// How many requests crisp-bridge made to Crisp on one day, to one route, with one outcome.
public struct CrispRequestCount: Sendable, Hashable {
    /// `yyyy-MM-dd`, UTC.
    public var day: String
    /// Method and route, e.g. `POST people/profile`.
    public var route: String
    /// `ok`, or the failure (`423`, `timeout`, …).
    public var outcome: String
    public var count: Int

    public init(day: String, route: String, outcome: String, count: Int) {
        self.day = day
        self.route = route
        self.outcome = outcome
        self.count = count
    }

    /// The UTC day of `date`, as the counts name it.
    public static func day(of date: Date) -> String {
        // The civil date of a day number, in integer arithmetic (H. Hinnant's `civil_from_days`): this runs for
        // every request sent to Crisp, where a Calendar and a format string cost more than the request's
        // bookkeeping.
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }
}
