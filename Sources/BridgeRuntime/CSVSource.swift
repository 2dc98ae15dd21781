import BridgeCore
import CSV
import Foundation

/// A CSV file read as a stream of records (RFC 4180 by CSV.swift: quotes, separators and line breaks inside
/// quotes, a BOM, CRLF), with what an import needs around it: the separator (given, or guessed from the first
/// line among `,` `;` and tab), the column names and each record's line; the file is checked in one pass before
/// it is parsed (encoding, NUL bytes, quotes, records too large).
///
/// Memory stays flat whatever the file's size: one record at a time.
final class CSVSource {
    /// One record: the line it starts on (1 is the file's first), how many lines it spans, and its cells.
    struct Record: Sendable {
        let line: Int
        let lines: Int
        let values: [String]
    }

    let path: String
    let delimiter: UnicodeScalar
    /// The header's column names (trimmed), or `1`, `2`, … without a header.
    private(set) var columns: [String]
    /// The line of the header (0 without one).
    private(set) var headerLine: Int
    /// Whether the file holds an odd number of `"`: some quote is never closed.
    private let quotesUnbalanced: Bool
    private let reader: CSVReader
    private var nextLine = 1
    /// The next record, read one ahead: the last one is known as such before it is handed out.
    private var ahead: Record?

    /// Opens `path`; `delimiter` nil guesses it. Reads the header when `header` is true (else the first
    /// record tells how many columns there are).
    init(path: String, delimiter separator: UnicodeScalar?, header: Bool) throws(ImportError) {
        self.path = path
        let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
        guard let type else { throw ImportError("cannot read \(path): no such file, or not readable") }
        guard type == .typeRegular else {
            throw ImportError(
                "\(path) is not a regular file: import reads it twice (first to check it, then its rows); save it to a file first"
            )
        }
        guard FileManager.default.isReadableFile(atPath: path), let stream = InputStream(fileAtPath: path) else {
            throw ImportError("cannot read \(path): not readable")
        }
        let quotes = try Self.scan(path)
        quotesUnbalanced = quotes % 2 == 1
        let delimiter: UnicodeScalar
        if let given = separator { delimiter = given } else { delimiter = try Self.guessDelimiter(path) }
        self.delimiter = delimiter
        let reader: CSVReader
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: false, delimiter: delimiter)
        } catch {
            throw ImportError("cannot read \(path) as CSV: \(error)")
        }
        self.reader = reader
        columns = []
        headerLine = 0
        guard let opening = try fetch() else { throw ImportError("\(path) is empty: no header and no row") }
        if header {
            columns = opening.values.map { $0.trimmingCharacters(in: .whitespaces) }
            headerLine = opening.line
            try Self.checkColumns(columns, path: path, line: opening.line)
            ahead = try fetch()
            if ahead == nil { try checkClosed(opening) }
        } else {
            columns = (1...opening.values.count).map(String.init)
            ahead = opening
        }
    }

    /// The next record that is not blank, or nil at the end of the file.
    func next() throws(ImportError) -> Record? {
        guard let record = ahead else { return nil }
        ahead = try fetch()
        if ahead == nil { try checkClosed(record) }
        return record
    }

    /// The last record of a file with a quote never closed: that quote swallowed the rest of the file.
    private func checkClosed(_ last: Record) throws(ImportError) {
        guard quotesUnbalanced, last.lines > 1 else { return }
        throw ImportError(
            "\(path):\(last.line): a quoted cell that starts on this line is never closed: it runs to the end of the file (\(last.lines) lines); close the quote (a quote inside a quoted cell is written twice: \"\")"
        )
    }

    private func fetch() throws(ImportError) -> Record? {
        while let values = reader.next() {
            let record = Record(
                line: nextLine, lines: 1 + values.reduce(0) { $0 + $1.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) } },
                values: values)
            nextLine += record.lines
            if let problem = Self.problem(of: reader, path: path, near: record.line) { throw problem }
            if values.allSatisfy({ $0.isEmpty }) { continue }
            return record
        }
        if let problem = Self.problem(of: reader, path: path, near: nextLine) { throw problem }
        return nil
    }

    /// A record as the row object a pipeline sees: column name → cell (cells beyond the columns are named by
    /// their number; missing cells are empty).
    func row(_ record: Record) -> JSONValue {
        row(record, keys: columns)
    }

    /// A record as an object keyed by `keys`, one per column (the fields the columns fill).
    func row(_ record: Record, keys: [String]) -> JSONValue {
        var row: [String: JSONValue] = [:]
        row.reserveCapacity(max(keys.count, record.values.count))
        for (index, name) in keys.enumerated() {
            row[name] = .string(index < record.values.count ? record.values[index] : "")
        }
        if record.values.count > keys.count {
            for index in keys.count..<record.values.count { row[String(index + 1)] = .string(record.values[index]) }
        }
        return .object(row)
    }

    /// The reader's error, if it met one. On Linux a stream reports bytes available at its end, so the reader
    /// records `cannotReadFile` when a file simply ends: that one is the end.
    private static func problem(of reader: CSVReader, path: String, near line: Int) -> ImportError? {
        switch reader.error {
        case nil: return nil
        case let error as CSVError:
            switch error {
            case .cannotReadFile: return nil
            case .unicodeDecoding:
                return ImportError("\(path):\(line): the file is not UTF-8 text here (save it as CSV UTF-8)")
            default: return ImportError("\(path):\(line): \(error)")
            }
        case let error?: return ImportError("\(path):\(line): \(error)")
        }
    }

    private static func checkColumns(_ columns: [String], path: String, line: Int) throws(ImportError) {
        var seen: [String: Int] = [:]
        for (index, name) in columns.enumerated() {
            if name.isEmpty {
                throw ImportError("\(path):\(line): column \(index + 1) of the header has no name")
            }
            if let earlier = seen[name] {
                throw ImportError(
                    "\(path):\(line): column \(index + 1) is named '\(name)' like column \(earlier + 1): names must be unique"
                )
            }
            seen[name] = index
        }
    }

    /// `,`, `;` or tab: the one found most often outside quotes on the first line (`,` when none is).
    static func guessDelimiter(_ path: String) throws(ImportError) -> UnicodeScalar {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ImportError("cannot read \(path)") }
        defer { try? handle.close() }
        let start = (try? handle.read(upToCount: 64 * 1024)) ?? Data()
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, UInt8(ascii: "\t"): 0]
        var quoted = false
        for byte in start {
            if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if !quoted, byte == 10 || byte == 13 {
                break
            } else if !quoted, counts[byte] != nil {
                counts[byte, default: 0] += 1
            }
        }
        // The most frequent; `,` wins a tie.
        let best = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key != UInt8(ascii: ",")) }
        guard let best, best.value > 0 else { return "," }
        return UnicodeScalar(best.key)
    }

    /// The most bytes one record may have (its lines, when a quoted cell spans several).
    static let maxRecordBytes = 1 << 20
    /// The most cells one record may have.
    static let maxCells = 10_000

    /// One pass over the bytes: how many `"` there are, and a refusal of what is not UTF-8 text
    /// (a UTF-16 or UTF-32 byte-order mark, NUL bytes) and of a record too large to read safely (more than
    /// `maxRecordBytes` bytes or `maxCells` cells: a line of commas would cost 22 bytes of memory per empty cell).
    static func scan(_ path: String) throws(ImportError) -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ImportError("cannot read \(path)") }
        defer { try? handle.close() }
        var quotes = 0
        var line = 1
        var start = true
        // The record being read: where it starts, its bytes, and its separators outside quotes (`,` `;` tab).
        var recordLine = 1
        var recordBytes = 0
        var separators = (comma: 0, semicolon: 0, tab: 0)
        var quoted = false
        var tooLarge: String?
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            if start {
                start = false
                let head = [UInt8](chunk.prefix(4))
                if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF])
                    || head.starts(with: [0, 0, 0xFE, 0xFF])
                {
                    throw ImportError("\(path) is UTF-16 or UTF-32 text: save it as CSV UTF-8")
                }
            }
            let nul: Int? = chunk.withUnsafeBytes { bytes in
                for byte in bytes {
                    recordBytes += 1
                    if byte == 0x22 {
                        quotes += 1
                        quoted.toggle()
                    } else if byte == 10 {
                        line += 1
                        if !quoted {
                            recordLine = line
                            recordBytes = 0
                            separators = (0, 0, 0)
                        }
                    } else if byte == 0 {
                        return line
                    } else if !quoted {
                        switch byte {
                        case 0x2C: separators.comma += 1
                        case 0x3B: separators.semicolon += 1
                        case 0x09: separators.tab += 1
                        default: break
                        }
                    }
                    if tooLarge == nil {
                        if recordBytes > maxRecordBytes {
                            tooLarge =
                                "\(path):\(recordLine): a record of more than \(maxRecordBytes) bytes (1 MiB): refused before reading it (a quote never closed? a line that is not CSV?)"
                        } else if max(separators.comma, separators.semicolon, separators.tab) >= maxCells {
                            tooLarge =
                                "\(path):\(recordLine): a record of more than \(maxCells) cells: refused before reading it (a line of separators?)"
                        }
                    }
                }
                return nil
            }
            if let nul {
                throw ImportError("\(path):\(nul): a NUL byte: this is not CSV text (UTF-16? save it as CSV UTF-8)")
            }
            if let tooLarge { throw ImportError(tooLarge) }
        }
        return quotes
    }
}
