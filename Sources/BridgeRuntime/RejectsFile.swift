import CSV
import Foundation

/// `FILE.rejects.csv`: every rejected row with its cells (the file's columns), its line and the reason. Created
/// with the first rejected row; a stale one from an earlier run of the same file is removed when no row is
/// rejected.
final class RejectsFile {
    let path: String
    let columns: [String]
    private(set) var written = 0
    private var writer: CSVWriter?

    init(path: String, columns: [String]) {
        self.path = path
        self.columns = columns
    }

    /// A record of the file, rejected for `reason`.
    func add(_ record: CSVSource.Record, reason: String) throws(ImportError) {
        try add(values: record.values, line: record.line, reason: reason)
    }

    /// A row's cells, rejected for `reason`.
    func add(values: [String], line: Int, reason: String) throws(ImportError) {
        do {
            if writer == nil {
                guard let stream = OutputStream(toFileAtPath: path, append: false) else {
                    throw ImportError("cannot write \(path)")
                }
                let opened = try CSVWriter(stream: stream)
                try opened.write(row: columns + ["line", "reason"])
                writer = opened
            }
            var cells = Array(values.prefix(columns.count))
            cells += Array(repeating: "", count: columns.count - cells.count)
            try writer?.write(row: cells + [String(line), reason])
            written += 1
        } catch let error as ImportError {
            throw error
        } catch {
            throw ImportError("cannot write \(path): \(error)")
        }
    }

    /// Finishes the file (or removes a stale one when nothing was rejected).
    func close() throws(ImportError) {
        if let writer {
            writer.stream.close()
            self.writer = nil
        } else if written == 0, FileManager.default.fileExists(atPath: path) {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
