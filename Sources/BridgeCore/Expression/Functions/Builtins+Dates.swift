import Foundation

extension Builtins {
    static let dates: [BuiltinFunction] = [
        BuiltinFunction(
            "date(value)", arity: 1...1,
            "A point in time as ISO 8601 UTC text. Takes ISO 8601 text (a date, or date and time with `T` or a space, "
                + "optional fraction and zone; no zone means UTC), or UNIX time as a number or as digits (a CSV "
                + "cell): seconds, or milliseconds when above 100,000,000,000. Microsoft's `/Date(ms)/` (Dynamics, "
                + "Dataverse) is read too.",
            examples: [
                ("date(1749721267512)", #""2025-06-12T09:41:07.512Z""#),
                (#"date("1749721267")"#, #""2025-06-12T09:41:07Z""#),
                (#"date("/Date(1749721267000+0000)/")"#, #""2025-06-12T09:41:07Z""#),
                ("date(1749721267)", #""2025-06-12T09:41:07Z""#),
                (#"date("2025-06-12 10:41:05+01:00")"#, #""2025-06-12T09:41:05Z""#),
                (#"date("2025-06-12")"#, #""2025-06-12T00:00:00Z""#),
            ]
        ) { args throws(FunctionError) in
            try Timestamp(args[0]).map { .string($0.iso8601) } ?? .null
        },
        BuiltinFunction(
            "unix_ms(value)", arity: 1...1,
            "A point in time (as `date` takes it) as milliseconds since 1970-01-01 UTC.",
            examples: [(#"unix_ms("2025-06-12T09:41:07.512Z")"#, "1749721267512")]
        ) { args throws(FunctionError) in
            try Timestamp(args[0]).map { .number(Double($0.milliseconds)) } ?? .null
        },
    ]
}

/// Milliseconds since the UNIX epoch, read from the inputs `date` accepts and written as ISO 8601.
public struct Timestamp: Sendable, Equatable {
    /// Milliseconds since 1970-01-01 UTC.
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// Reads a JSON value; `null` and empty text give nil, anything unreadable is an error.
    init?(_ value: JSONValue) throws(FunctionError) {
        switch value {
        case .null: return nil
        case .number(let n):
            guard n.isFinite, abs(n) < 1e16 else { throw FunctionError("\(n) is out of range for a time") }
            milliseconds = abs(n) >= 100_000_000_000 ? Int64(n.rounded()) : Int64((n * 1000).rounded())
        case .string(let s):
            let t = s.trimmed
            if t.isEmpty { return nil }
            if let ms = Self.parseMicrosoftJSON(t) {
                milliseconds = ms
                return
            }
            if t.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), t.utf8.count <= 16, let n = Double(t) {
                milliseconds = n >= 100_000_000_000 ? Int64(n) : Int64(n) * 1000
                return
            }
            guard let ms = Self.parseISO8601(t) else {
                throw FunctionError("\"\(s)\" is not a date: use ISO 8601 (2025-06-12T09:41:07Z) or UNIX time")
            }
            milliseconds = ms
        default:
            throw FunctionError.type("a text or number", argument: 1, got: value)
        }
    }

    /// Microsoft's JSON dates, `/Date(1749721267000)/` or `/Date(1749721267000+0000)/`: UTC milliseconds (the
    /// offset only says which zone the writer was in).
    static func parseMicrosoftJSON(_ s: String) -> Int64? {
        guard s.hasPrefix("/Date("), s.hasSuffix(")/") else { return nil }
        var inner = s.dropFirst(6).dropLast(2)
        if let zone = inner.dropFirst().firstIndex(where: { $0 == "+" || $0 == "-" }) { inner = inner[..<zone] }
        return Int64(inner)
    }

    /// `YYYY-MM-DDTHH:MM:SS(.fff)Z`; the fraction only when not zero.
    public var iso8601: String {
        let days = Int64((Double(milliseconds) / 86_400_000).rounded(.down))
        let msOfDay = milliseconds - days * 86_400_000
        let (y, m, d) = Self.civil(fromDays: days)
        let seconds = msOfDay / 1000
        let ms = msOfDay % 1000
        func two(_ v: Int64) -> String { String(v).leftPadded(to: 2) }
        var out =
            "\(String(y).leftPadded(to: 4))-\(two(m))-\(two(d))T\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
        if ms != 0 { out += "." + String(ms).leftPadded(to: 3) }
        return out + "Z"
    }

    static func parseISO8601(_ s: String) -> Int64? {
        let c = Array(s.utf8)
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= c.count else { return nil }
            var v: Int64 = 0
            for k in i..<(i + n) {
                guard c[k] >= 48, c[k] <= 57 else { return nil }
                v = v * 10 + Int64(c[k] - 48)
            }
            i += n
            return v
        }
        func literal(_ ch: UInt8) -> Bool {
            guard i < c.count, c[i] == ch else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), literal(UInt8(ascii: "-")), let month = digits(2), literal(UInt8(ascii: "-")),
            let day = digits(2), (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var ms = days(fromCivil: year, month, day) * 86_400_000
        if i == c.count { return ms }
        guard literal(UInt8(ascii: "T")) || literal(UInt8(ascii: "t")) || literal(UInt8(ascii: " ")) else { return nil }
        guard let hour = digits(2), literal(UInt8(ascii: ":")), let minute = digits(2), hour < 24, minute < 60 else {
            return nil
        }
        ms += (hour * 3600 + minute * 60) * 1000
        if literal(UInt8(ascii: ":")) {
            guard let second = digits(2), second < 61 else { return nil }
            ms += second * 1000
            if literal(UInt8(ascii: ".")) || literal(UInt8(ascii: ",")) {
                var scale: Int64 = 100
                var any = false
                while i < c.count, c[i] >= 48, c[i] <= 57 {
                    ms += Int64(c[i] - 48) * scale
                    scale /= 10
                    i += 1
                    any = true
                }
                if !any { return nil }
            }
        }
        if i == c.count || literal(UInt8(ascii: "Z")) || literal(UInt8(ascii: "z")) {
            return i == c.count ? ms : nil
        }
        let sign: Int64
        if literal(UInt8(ascii: "+")) { sign = 1 } else if literal(UInt8(ascii: "-")) { sign = -1 } else { return nil }
        guard let oh = digits(2) else { return nil }
        _ = literal(UInt8(ascii: ":"))
        let om = digits(2) ?? 0
        guard i == c.count, oh < 24, om < 60 else { return nil }
        return ms - sign * (oh * 3600 + om * 60) * 1000
    }

    static func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
