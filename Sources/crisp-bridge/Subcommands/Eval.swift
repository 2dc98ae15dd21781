import ArgumentParser
import BridgeCore
import Foundation

/// `crisp-bridge eval EXPRESSION [--with JSON] [--lines FILE]`: runs an expression, printing JSON results.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate an expression and print its result as one JSON line.",
        discussion: """
            The names the expression reads come from --with, a JSON object: \
            crisp-bridge eval 'phone(n, r)' --with '{"n": "06 12 34 56 78", "r": "FR"}'.
            With --lines FILE (- for standard input) it runs once per line, each line a JSON object of names \
            (over --with's), and prints one JSON line per input line: the result, or {"error": "..."}.
            Exit status: 1 when the expression does not compile; without --lines, also when it fails; else 0.
            """)

    @Argument(help: "The expression, as written in a pipeline (without ${{ }}).")
    var expression: String

    @Option(name: .customLong("with"), help: ArgumentHelp("The names in scope, as a JSON object.", valueName: "json"))
    var values: String?

    @Option(
        help: ArgumentHelp(
            "A file of JSON objects, one per line, to evaluate the expression over (- for standard input).",
            valueName: "file"))
    var lines: String?

    func run() throws {
        let prepared: PreparedExpression
        do {
            prepared = try ExpressionLanguage.prepare(expression)
        } catch {
            DiagnosticPrinter.printError(error.description)
            throw ExitCode.failure
        }
        var base: [String: JSONValue] = [:]
        if let values {
            guard case .object(let members)? = try? JSONValue.parse(values) else {
                throw ValidationError("--with takes a JSON object, such as '{\"n\": \"06 12 34 56 78\"}'")
            }
            base = members
        }
        guard let lines else {
            do {
                print(try prepared.evaluate(base).jsonText)
            } catch {
                DiagnosticPrinter.printError("error: \(error.description)")
                throw ExitCode.failure
            }
            return
        }
        let data: Data
        if lines == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: lines) else {
                throw ValidationError("cannot read --lines \(lines)")
            }
            data = contents
        }
        var output = ""
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast(data.last == UInt8(ascii: "\n") ? 1 : 0)
        {
            output += Self.result(of: prepared, line: line, over: base) + "\n"
            if output.utf8.count >= 1 << 16 {
                FileHandle.standardOutput.write(Data(output.utf8))
                output = ""
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    /// The JSON text for one input line: the result, or `{"error": …}`.
    private static func result(of prepared: PreparedExpression, line: Substring, over base: [String: JSONValue])
        -> String
    {
        do {
            guard case .object(let members) = try JSONValue.parse(String(line)) else {
                return JSONValue.object(["error": "the line is not a JSON object"]).jsonText
            }
            return try prepared.evaluate(base.merging(members) { $1 }).jsonText
        } catch {
            return JSONValue.object(["error": .string(error.description)]).jsonText
        }
    }
}
