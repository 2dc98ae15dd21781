import BridgeCore
import CSV
import Foundation

/// `FILE.rejects.csv`: every rejected row with its cells (the file's columns), its line, the reason and the plan's
/// warnings (values a rule left out); also every row imported with warnings (reason `imported, with warnings`),
/// so that nothing left out goes unsaid. Created with the first such row; a stale one from an earlier run of the same file is removed when no row is
/// rejected. A cell a spreadsheet would run as a formula is written with a leading `'` (`SpreadsheetFormula`).
/// Rows are written in batches (CSVWriter writes a field at a time to its stream): through memory,
/// then to the file.
final class RejectsFile {
    let path: String
    let columns: [String]
    private(set) var written = 0
    private var writer: CSVWriter?
    private var file: FileHandle?

    /// Where the line and the reason go: the file's own `line` and `reason` columns when it has them (a rejects
    /// file imported again), else two columns added at the end.
    private let lineColumn: Int
    private let reasonColumn: Int
    private let warningsColumn: Int
    private let header: [String]

    /// The reason written for a row that was imported but had warnings.
    static let importedWithWarnings = "imported, with warnings"

    init(path: String, columns: [String]) {
        self.path = path
        self.columns = columns
        var header = columns
        if !header.contains("line") { header.append("line") }
        if !header.contains("reason") { header.append("reason") }
        if !header.contains("warnings") { header.append("warnings") }
        self.header = header
        lineColumn = header.firstIndex(of: "line")!
        reasonColumn = header.firstIndex(of: "reason")!
        warningsColumn = header.firstIndex(of: "warnings")!
    }

    /// A record of the file, rejected for `reason` (or imported with warnings), with its plan's warnings.
    func add(_ record: CSVSource.Record, reason: String, warnings: [String] = []) throws(ImportError) {
        try add(values: record.values, line: record.line, reason: reason, warnings: warnings)
    }

    /// A row's cells, rejected for `reason`, with its plan's warnings.
    func add(values: [String], line: Int, reason: String, warnings: [String] = []) throws(ImportError) {
        do {
            if file == nil {
                guard FileManager.default.createFile(atPath: path, contents: nil),
                    let handle = FileHandle(forWritingAtPath: path)
                else { throw ImportError("cannot write \(path)") }
                file = handle
                writer = try CSVWriter(stream: .toMemory())
                try writer?.write(row: header)
            } else if writer == nil {
                writer = try CSVWriter(stream: .toMemory())
            }
            // The row's cells under their columns, the line and the reason in theirs, and cells beyond the
            // header after them (nothing of the row is lost).
            var cells = Array(values.prefix(columns.count))
            cells += Array(repeating: "", count: header.count - cells.count)
            cells[lineColumn] = String(line)
            cells[reasonColumn] = reason
            cells[warningsColumn] = warnings.joined(separator: "\n")
            // A person opens this file in a spreadsheet: a cell that would run as a formula is neutralised.
            try writer?.write(row: (cells + values.dropFirst(columns.count)).map(SpreadsheetFormula.neutralised))
            written += 1
            if written % 1000 == 0 { try flush() }
        } catch let error as ImportError {
            throw error
        } catch {
            throw ImportError("cannot write \(path): \(error)")
        }
    }

    /// Writes the rows kept in memory to the file.
    private func flush() throws(ImportError) {
        guard let writer, let file else { return }
        writer.stream.close()
        let data = writer.stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        do {
            try file.write(contentsOf: data + Data("\n".utf8))  // each batch ends its last row
        } catch {
            throw ImportError("cannot write \(path): \(error)")
        }
        self.writer = nil
    }

    /// Finishes the file (or removes a stale one when nothing was rejected).
    func close() throws(ImportError) {
        if let file {
            try flush()
            try? file.close()
            self.file = nil
        } else if written == 0, FileManager.default.fileExists(atPath: path) {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
