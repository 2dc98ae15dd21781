import BridgeCore
import CSV
import Crypto
import Foundation

/// A CSV file read as a stream of records (RFC 4180 by CSV.swift: quotes, separators and line breaks inside
/// quotes, a BOM, CRLF), with what an import needs around it: the separator (given, or guessed from the first
/// line among `,` `;` and tab), the column names, each record's line, and the SHA-256 of the file's content.
///
/// Memory stays flat whatever the file's size: one record at a time.
final class CSVSource {
    /// One record: the line it starts on (1 is the file's first) and its cells.
    struct Record: Sendable {
        let line: Int
        let values: [String]
    }

    let path: String
    let delimiter: UnicodeScalar
    /// The header's column names (trimmed), or `1`, `2`, … without a header.
    let columns: [String]
    /// The line of the header (0 without one).
    let headerLine: Int
    /// Hex SHA-256 of the whole file.
    let sha256: String
    private let reader: CSVReader
    private var nextLine: Int
    private var first: Record?

    /// Opens `path`; `delimiter` nil guesses it. Reads the header when `header` is true (else the first
    /// record tells how many columns there are).
    init(path: String, delimiter separator: UnicodeScalar?, header: Bool) throws(ImportError) {
        self.path = path
        guard FileManager.default.isReadableFile(atPath: path), let stream = InputStream(fileAtPath: path) else {
            throw ImportError("cannot read \(path): no such file, or not readable")
        }
        sha256 = try Self.hash(path)
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
        var line = 1
        var opening: Record?
        while let record = Self.read(reader, &line) {
            if record.values.allSatisfy({ $0.isEmpty }) { continue }
            opening = record
            break
        }
        nextLine = line
        if let problem = Self.problem(of: reader, path: path, near: line) { throw problem }
        guard let opening else { throw ImportError("\(path) is empty: no header and no row") }
        if header {
            columns = opening.values.map { $0.trimmingCharacters(in: .whitespaces) }
            headerLine = opening.line
            first = nil
            try Self.checkColumns(columns, path: path, line: opening.line)
        } else {
            columns = (1...opening.values.count).map(String.init)
            headerLine = 0
            first = opening
        }
    }

    /// The next record that is not blank, or nil at the end of the file.
    func next() throws(ImportError) -> Record? {
        if let record = first {
            first = nil
            return record
        }
        while let record = Self.read(reader, &nextLine) {
            if record.values.allSatisfy({ $0.isEmpty }) { continue }
            return record
        }
        if let problem = Self.problem(of: reader, path: path, near: nextLine) { throw problem }
        return nil
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
                return ImportError("\(path) near line \(line): the file is not UTF-8 text (save it as CSV UTF-8)")
            default: return ImportError("\(path) near line \(line): \(error)")
            }
        case let error?: return ImportError("\(path) near line \(line): \(error)")
        }
    }

    /// A record as the row object a pipeline sees: column name → cell (cells beyond the columns are named by
    /// their number; missing cells are empty).
    func row(_ record: Record) -> JSONValue {
        var row: [String: JSONValue] = [:]
        row.reserveCapacity(max(columns.count, record.values.count))
        for (index, name) in columns.enumerated() {
            row[name] = .string(index < record.values.count ? record.values[index] : "")
        }
        if record.values.count > columns.count {
            for index in columns.count..<record.values.count { row[String(index + 1)] = .string(record.values[index]) }
        }
        return .object(row)
    }

    private static func read(_ reader: CSVReader, _ line: inout Int) -> Record? {
        guard let values = reader.next() else { return nil }
        let record = Record(line: line, values: values)
        // A record ends one line on, plus the line breaks inside its quoted cells.
        line += 1 + values.reduce(0) { $0 + $1.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) } }
        return record
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

    static func hash(_ path: String) throws(ImportError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ImportError("cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
