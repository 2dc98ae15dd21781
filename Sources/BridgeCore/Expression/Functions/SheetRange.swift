/// A Google Sheets range in A1 notation (`Leads!A:Z`, `'My Sheet'!A2:F`, `Leads`), and the poll plan built on it:
/// read the whole range once, then only the header row and the rows from the last one seen, with a full read
/// again every `fullEvery` polls and whenever the last row seen is gone (rows deleted above it).
struct SheetRange: Equatable {
    /// The sheet's name as written (quoted when it was), without `!`.
    let sheet: String
    /// The first and last columns (`A`, `Z`), when the range names them.
    let columns: (first: String, last: String)?

    static func == (a: SheetRange, b: SheetRange) -> Bool {
        a.sheet == b.sheet && a.columns?.first == b.columns?.first && a.columns?.last == b.columns?.last
    }

    /// The polls between two full reads (with `every: 1m`, one an hour).
    static let fullEvery = 60

    /// Reads `Sheet!A:Z`, `Sheet!A1:Z100` or `Sheet` (rows in the cells are ignored: the poll sets them).
    init(_ text: String) {
        guard let bang = text.lastIndex(of: "!") else {
            sheet = text
            columns = nil
            return
        }
        sheet = String(text[..<bang])
        let cells = text[text.index(after: bang)...].split(separator: ":")
        let letters = cells.map { String($0.prefix { $0.isLetter }).uppercased() }
        columns = letters.count == 2 && letters.allSatisfy { !$0.isEmpty } ? (letters[0], letters[1]) : nil
    }

    /// The rows `from`…`through` (to the sheet's end when nil) of these columns.
    func rows(_ from: Int, through: Int? = nil) -> String? {
        guard let columns else { return nil }
        return "\(sheet)!\(columns.first)\(from):\(columns.last)\(through.map(String.init) ?? "")"
    }

    /// The first row of a range as the Sheets API answers it (`Leads!A51:Z1000` → 51; 1 when it names none).
    static func firstRow(of answered: String) -> Int {
        let cells = answered.lastIndex(of: "!").map { answered[answered.index(after: $0)...] } ?? answered[...]
        let first = cells.prefix { $0 != ":" }
        return Int(first.drop { $0.isLetter }) ?? 1
    }

    /// The poll's cursor: the last row seen, how many polls since the last full read, and whether the next poll
    /// must read the whole range (the last row seen was gone).
    struct Cursor: Equatable {
        var row: Int
        var polls: Int
        var full: Bool

        /// A stored cursor: this plan's object, or a number (the row count an older pipeline stored: read it all).
        init?(_ value: JSONValue) {
            switch value {
            case .object(let o):
                guard let row = o["row"]?.numberValue, row.isFinite, row >= 0, row < 1e9 else { return nil }
                self.row = Int(row)
                polls = o["polls"]?.numberValue.flatMap { $0.isFinite && $0 >= 0 && $0 < 1e9 ? Int($0) : nil } ?? 0
                full = o["full"] == .bool(true)
            case .number(let n) where n.isFinite && n >= 0 && n < 1e9:
                (row, polls, full) = (Int(n), 0, true)
            default:
                return nil
            }
        }

        init(row: Int, polls: Int, full: Bool) {
            (self.row, self.polls, self.full) = (row, polls, full)
        }

        var json: JSONValue {
            var o: [String: JSONValue] = ["row": .number(Double(row)), "polls": .number(Double(polls))]
            if full { o["full"] = true }
            return .object(o)
        }
    }

    /// The ranges a poll reads: the whole range on a first poll, an older cursor, a full check or a range
    /// without columns; else the header row and the rows from the last one seen (it is read again, to see that
    /// it is still there).
    func pollRanges(after cursor: Cursor?) -> [String] {
        guard let cursor, !cursor.full, cursor.polls % Self.fullEvery != 0, cursor.row > 1,
            let header = rows(1, through: 1), let rest = rows(cursor.row)
        else { return [rows(1) ?? sheet] }
        return [header, rest]
    }

    /// The cursor after a poll's `batchGet` answer (`valueRanges`) for `pollRanges(after: cursor)`.
    static func cursor(after answer: [JSONValue], previous: Cursor?) -> Cursor {
        let polls = (previous?.polls ?? 0) + 1
        guard answer.count == 2, let previous else {
            // A full read: the rows there are now (the count goes down when rows were deleted).
            let range = answer.first
            let count = range?["values"].arrayValue?.count ?? 0
            let first = range?["range"].stringValue.map(firstRow) ?? 1
            return Cursor(row: count == 0 ? 0 : first + count - 1, polls: polls, full: false)
        }
        let rest = answer[1]
        let values = rest["values"].arrayValue ?? []
        // The last row seen comes first: gone (empty) means rows were deleted above it; read it all next time.
        guard let seen = values.first?.arrayValue, !seen.allSatisfy(\.isBlank) else {
            return Cursor(row: previous.row, polls: polls, full: true)
        }
        let first = rest["range"].stringValue.map(firstRow) ?? previous.row
        return Cursor(row: max(previous.row, first + values.count - 1), polls: polls, full: false)
    }
}
