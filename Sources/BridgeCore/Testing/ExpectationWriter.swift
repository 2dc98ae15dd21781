import Foundation
import Yams

/// Rewrites the `expect:` of test cases in place (`crisp-bridge test --update`), keeping the rest of the file:
/// comments, order and formatting outside the rewritten expectations stay as they were.
public enum ExpectationWriter {
    /// Writes `actual` as the expectation of each given failed case, file by file (not of a case that failed by
    /// its own set-up: its env is what needs fixing). Returns the files changed.
    @discardableResult
    public static func update(_ results: [TestRunner.CaseResult]) throws(BridgeCoreError) -> [String] {
        var changed: [String] = []
        let byFile = Dictionary(
            grouping: results.filter(\.updatable), by: \.file)
        for (file, cases) in byFile.sorted(by: { $0.key < $1.key }) {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
            else { throw BridgeCoreError(.io, "\(file): cannot read it to update") }
            var lines = text.components(separatedBy: "\n")
            // From the bottom up, so earlier line numbers stay right.
            let ordered = cases.sorted { $0.testCase!.caseSpan.firstLine > $1.testCase!.caseSpan.firstLine }
            for result in ordered {
                let c = result.testCase!
                if let span = c.expectSpan {
                    let end = trimmedEnd(lines, from: span.firstLine, to: span.endLine)
                    let block = render(result.actual, indent: span.column - 1)
                    lines.replaceSubrange((span.firstLine - 1)..<(end - 1), with: block)
                } else {
                    let end = trimmedEnd(lines, from: c.caseSpan.firstLine, to: c.caseSpan.endLine)
                    lines.insert(contentsOf: render(result.actual, indent: c.caseSpan.column - 1), at: end - 1)
                }
            }
            let updated = lines.joined(separator: "\n")
            do {
                try updated.write(toFile: file, atomically: true, encoding: .utf8)
            } catch {
                throw BridgeCoreError(.io, "\(file): cannot write the update: \(error)")
            }
            changed.append(file)
        }
        return changed
    }

    /// The line after the last line of content before `end`: blank and comment lines are left in place.
    private static func trimmedEnd(_ lines: [String], from first: Int, to end: Int) -> Int {
        var e = min(end, lines.count + 1)
        while e - 1 > first {
            let line = lines[e - 2].trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { e -= 1 } else { break }
        }
        return e
    }

    /// `expect:` and the value as YAML lines, indented: one list entry per event, operations in flow style.
    static func render(_ actual: JSONValue, indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        if case .object = actual {
            return [pad + "expect: " + flow(actual)]
        }
        if actual.arrayValue?.isEmpty ?? false {
            return [pad + "expect: []   # no event"]
        }
        var out = [pad + "expect:"]
        for event in actual.arrayValue ?? [] {
            switch event {
            case .array(let operations) where operations.isEmpty:
                out.append(pad + "  - []")
            case .array(let operations):
                for (i, op) in operations.enumerated() {
                    let lead = i == 0 ? "  - - " : "    - "
                    if case .object(let o) = op, let (name, fields) = o.first {
                        out.append(pad + lead + name + ": " + flow(fields))
                    } else {
                        out.append(pad + lead + flow(op))
                    }
                }
            case .object(let o) where o["failed"]?.stringValue != nil:
                out.append(pad + "  - " + flow(["failed": .string(withoutLocation(o["failed"]!.stringValue!))]))
            default:
                out.append(pad + "  - " + flow(event))
            }
        }
        return out
    }

    /// A failure reason without its leading `file:line:col: `, which depends on where the run started.
    static func withoutLocation(_ reason: String) -> String {
        let parts = reason.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, Int(parts[1]) != nil, Int(parts[2]) != nil else { return reason }
        return parts[3].trimmingCharacters(in: .whitespaces)
    }

    /// A JSON value as one line of YAML flow style, quoting only the strings that need it.
    static func flow(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return JSONValue.format(number: n)
        case .string(let s): return scalar(s)
        case .array(let a): return "[" + a.map(flow).joined(separator: ", ") + "]"
        case .object(let o):
            // `email` (of an operation) or `rejected` (of a refusal) first, as people write them; the rest by name.
            let lead = { (key: String) in key == "email" || key == "rejected" ? "" : key }
            let keys = o.keys.sorted { lead($0) < lead($1) }
            return "{ " + keys.map { "\(scalar($0)): \(flow(o[$0]!))" }.joined(separator: ", ") + " }"
        }
    }

    /// A string as a YAML flow scalar: plain when Yams reads it back as the same string, else double-quoted.
    private static func scalar(_ s: String) -> String {
        let plainSafe =
            !s.isEmpty
            && s.unicodeScalars.allSatisfy {
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || "@._-+ /".unicodeScalars.contains($0)
            }
            && !s.hasPrefix(" ") && !s.hasSuffix(" ") && !s.hasPrefix("-") && !s.hasPrefix("@")
            && YAMLReader.scalarValue(Node.Scalar(s)) == .string(s)
        if plainSafe { return s }
        var out = ""
        JSONValue.writeString(s, to: &out)
        return out
    }
}
