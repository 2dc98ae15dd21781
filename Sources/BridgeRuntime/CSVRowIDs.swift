import Crypto
import Foundation

/// The dedupe ids of an import run's rows: `csv:<run>:<file>:<line>:<digest>` (and `.<event>` when a row splits
/// into several), where `file` is 8 hex digits of the SHA-256 of the file's name (so two files' rows never
/// share ids, and an import counts only its own) and the digest 12 of the row's column names and cells.
///
/// A row keeps its id while it keeps its line and its content, so a file that grew (rows appended while an
/// earlier run was killed) stores only its new rows again, and a row changed since is delivered once more,
/// with its new content.
struct CSVRowIDs: Sendable {
    /// The start of every id of the run's rows of this file: `csv:<run>:<file>:`.
    let prefix: String
    let columns: [String]

    init(run: String, file: String, columns: [String]) {
        let name = (file as NSString).lastPathComponent
        let key = SHA256.hash(data: Data(name.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
        self.prefix = "csv:\(run):\(key):"
        self.columns = columns
    }

    /// The id of `record`'s event number `index` of `count`.
    func id(of record: CSVSource.Record, event index: Int, of count: Int) -> String {
        var hasher = SHA256()
        for (column, value) in record.values.enumerated() {
            // Lengths first: ("a,", "b") and ("a", ",b") hash differently.
            let name = column < columns.count ? columns[column] : String(column + 1)
            hasher.update(data: Data("\(name.utf8.count):\(name)\(value.utf8.count):".utf8))
            hasher.update(data: Data(value.utf8))
        }
        let digest = hasher.finalize().prefix(6).map { String(format: "%02x", $0) }.joined()
        return "\(prefix)\(record.line):\(digest)" + (count > 1 ? ".\(index)" : "")
    }

    /// The line an id of this run names.
    func line(of id: String) -> Int {
        Int(id.dropFirst(prefix.count).prefix { $0.isNumber }) ?? 0
    }
}
