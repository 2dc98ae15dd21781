import Foundation

/// The one way crisp-bridge writes a time for people and programs: ISO 8601 in UTC with milliseconds
/// (`2026-12-07T14:23:28.120Z`), in the CLI, the admin API and the logs' fields alike.
public enum BridgeTime {
    /// `date` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static func iso(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// A time an operator typed: ISO 8601 with or without milliseconds (`2026-12-07T14:00:00Z`), a date
    /// (`2026-12-07`, its midnight UTC), or an age before `now` (`90s`, `15m`, `2h`, `7d`). Nil when it is none.
    public static func parse(_ text: String, now: Date) -> Date? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let seconds = duration(text) { return now.addingTimeInterval(-seconds) }
        // The parser rolls an impossible date over (February 30 is March 2): refuse it first.
        guard fieldsArePossible(text) else { return nil }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle().year().month().day().parse(text) { return date }
        return nil
    }

    /// A length of time as an operator types it: a number and a unit, `90s`, `15m`, `2h`, `14d`; nil otherwise.
    public static func duration(_ text: String) -> TimeInterval? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard let unit = text.last, let amount = Double(text.dropLast()), amount >= 0, amount.isFinite else {
            return nil
        }
        switch unit {
        case "s": return amount
        case "m": return amount * 60
        case "h": return amount * 3600
        case "d": return amount * 86_400
        default: return nil
        }
    }

    /// Whether the date and time written at the start of `text` exist: a month 1–12, a day the month has, an hour
    /// under 24, minutes and seconds under 60 (a leap second's 60 allowed).
    static func fieldsArePossible(_ text: String) -> Bool {
        guard let match = text.prefixMatch(of: /(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2}))?)?/) else {
            return true  // not a date: the parsers refuse it
        }
        let (year, month, day) = (Int(match.1) ?? 0, Int(match.2) ?? 0, Int(match.3) ?? 0)
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day <= days else { return false }
        if let hour = match.4.flatMap({ Int($0) }), hour > 23 { return false }
        if let minute = match.5.flatMap({ Int($0) }), minute > 59 { return false }
        if let second = match.6.flatMap({ Int($0) }), second > 60 { return false }
        return true
    }
}
