import ArgumentParser
import BridgeRuntime
import Foundation
import Logging

/// `crisp-bridge import FILE.csv`: backfill existing contacts through a pipeline, at Crisp's pace.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import the rows of a CSV file into Crisp through a pipeline (default: pipelines/csv-contacts.yaml).",
        discussion: """
            Every row goes through the store, the rate limit and the retries as a webhook does; the command exits
            when each row is delivered or rejected (status 0, or 2 when rows were rejected: see FILE.rejects.csv;
            1 on a failure). Killed and run again, it goes on where it stopped without storing a row twice; the
            same file imported again is a no-op unless --again. Crisp credentials as for serve, or --sandbox.
            """)

    @Argument(help: "The CSV file.")
    var file: String

    @Option(help: "The pipeline: a name in --pipelines, or a file (default: csv-contacts).")
    var pipeline: String?

    @Option(help: "The folder of pipelines.")
    var pipelines = "pipelines"

    @Option(help: "The cell separator: ',', ';' or 'tab' (default: guessed from the first line).")
    var delimiter: String?

    @Flag(help: "The file has no header: columns are named 1, 2, …")
    var noHeader = false

    @Option(help: "Rows to import at most (try one or two first).")
    var limit: Int?

    @Flag(help: "Plan every row and write the rejects file; nothing is stored or sent.")
    var dryRun = false

    @Option(
        name: .customLong("map"),
        help: ArgumentHelp(
            "Put a column into a field: \"Column Name=field\" (repeatable); \"Column=\" ignores the column.",
            valueName: "column=field"))
    var map: [String] = []

    @Flag(help: "Import a file that was imported before once more (a new run).")
    var again = false

    @Option(help: "The run to resume (printed by --again).")
    var run: String?

    @Option(
        help:
            "The store: sqlite:PATH or postgres://… (default: BRIDGE_STORE_URL, else sqlite:.crisp-bridge/bridge.sqlite)."
    )
    var store: String?

    @Flag(help: "Deliver to the built-in Crisp sandbox (its profiles beside the SQLite store, as serve --sandbox).")
    var sandbox = false

    @Option(help: "Requests to Crisp per second at most.")
    var crispRate = 20.0

    @Option(help: "Rows delivered at once.")
    var concurrency = 8

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "warning"

    func validate() throws {
        if let delimiter, !["tab", "\\t"].contains(delimiter),
            delimiter.unicodeScalars.count != 1 || ["\"", "\r", "\n"].contains(delimiter)
        {
            throw ValidationError("--delimiter is one character (not a quote or a line break), or 'tab'")
        }
        if let limit, limit < 1 { throw ValidationError("--limit takes a number of rows, 1 or more") }
        guard crispRate > 0 else { throw ValidationError("--crisp-rate must be above 0") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        if again, run != nil { throw ValidationError("--again starts a new run; --run resumes one: give one of them") }
        _ = try Self.columnMap(map)
    }

    /// `--map "Column=field"` values as column → field.
    static func columnMap(_ values: [String]) throws -> [String: String] {
        var map: [String: String] = [:]
        for value in values {
            guard let equals = value.lastIndex(of: "=") else {
                throw ValidationError(
                    "--map \"\(value)\": write it as \"Column Name=field\" (or \"Column Name=\" to ignore it)")
            }
            let column = value[..<equals].trimmingCharacters(in: .whitespaces)
            let field = value[value.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !column.isEmpty else {
                throw ValidationError("--map \"\(value)\": the column's name is missing before '='")
            }
            guard map.updateValue(field, forKey: column) == nil else {
                throw ValidationError("--map names the column '\(column)' twice")
            }
        }
        return map
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var options = CSVImport.Options(file: file)
        options.pipeline = pipeline
        options.delimiter = delimiter.map { $0 == "tab" || $0 == "\\t" ? "\t" : $0.unicodeScalars.first! }
        options.header = !noHeader
        options.limit = limit
        options.dryRun = dryRun
        options.map = try Self.columnMap(map)
        if again {
            options.run = Self.runName(Date())
            FileHandle.standardError.write(
                Data("import: a new run, \(options.run); if it stops, go on with --run \(options.run)\n".utf8))
        } else if let run {
            options.run = run
        }
        options.interactive = isatty(STDERR_FILENO) != 0
        options.bridge.pipelines = pipelines
        options.bridge.store =
            store ?? ProcessInfo.processInfo.environment["BRIDGE_STORE_URL"] ?? "sqlite:.crisp-bridge/bridge.sqlite"
        options.bridge.sandbox = sandbox
        options.bridge.sandboxPort = 0
        options.bridge.crispRate = crispRate
        options.bridge.concurrency = concurrency
        let summary: CSVImport.Summary
        do throws(ImportError) {
            let job = try CSVImport(options, logger: Logger(label: "crisp-bridge"))
            summary = try await job.run()
        } catch {
            DiagnosticPrinter.printError(error.description)
            throw ExitCode.failure
        }
        print(Self.describe(summary, dryRun: dryRun))
        if let run, !dryRun, summary.alreadyStored == 0, summary.queued > 0 {
            DiagnosticPrinter.printError(
                "note: run \(run) had no rows stored before: it started now (a misspelled --run starts a new run)")
        }
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }

    static func runName(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss"
        return f.string(from: date)
    }

    static func describe(_ s: CSVImport.Summary, dryRun: Bool) -> String {
        var lines: [String] = []
        let seconds = String(format: "%.1f s", s.seconds)
        if dryRun {
            lines.append(
                "\(s.read) row(s) read in \(seconds): \(s.queued) would be delivered, \(s.skipped) skipped, \(s.rejected) rejected (dry run: nothing stored or sent)"
            )
            lines.append(
                "Crisp requests: \(s.cost.new) for new contacts, at most \(s.cost.atMost) (values crisp-bridge already wrote cost none)"
            )
        } else {
            var delivered = "\(s.delivered) delivered"
            if s.alreadyStored > 0 { delivered += " (\(s.alreadyStored) stored by an earlier run of this file)" }
            if s.deliveredElsewhere > 0 {
                delivered += " (\(s.deliveredElsewhere) of them by another crisp-bridge sharing the store)"
            }
            lines.append(
                "\(s.read) row(s) read in \(seconds): \(delivered), \(s.skipped) skipped, \(s.rejected) rejected")
        }
        if s.warned > 0 {
            lines.append(
                "\(s.warned) row(s) \(dryRun ? "would be" : "were") imported with warnings: a value a rule left out (a phone not valid in its country…)"
            )
        }
        if let rejects = s.rejects {
            lines.append("rejected rows and rows with warnings, with their line, reason and warnings: \(rejects)")
        }
        return lines.joined(separator: "\n")
    }
}
