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
        // Integer civil-date arithmetic (`Timestamp`'s, the date functions' own): this runs for every request
        // sent to Crisp, where a Calendar and a format string cost more than the request's bookkeeping.
        let (year, month, day) = Timestamp.civil(
            fromDays: Int64((date.timeIntervalSince1970 / 86_400).rounded(.down)))
        func padded(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }
}
