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
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        let civil = Date(timeIntervalSince1970: Double(days) * 86_400)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: civil)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
