import Yams

/// Reads a composed YAML tree, keeping every node's place and recording problems instead of stopping at the first.
struct YAMLReader {
    let source: SourceFile
    var diagnostics: DiagnosticCollector

    init(source: SourceFile) {
        self.source = source
        self.diagnostics = DiagnosticCollector(source: source)
    }

    /// One entry of a mapping: the key text, the key node (for its place) and the value.
    struct Entry {
        let key: String
        let keyNode: Node
        let value: Node
    }

    /// Composes the file's YAML. A syntax error becomes a diagnostic (with a hint to quote the value when that
    /// is the likely fix) and the result is nil.
    mutating func compose() -> Node? {
        do {
            guard let root = try Yams.compose(yaml: source.text) else {
                diagnostics.error(
                    "the file is empty (it holds no YAML document)", at: source.location(line: 1, column: 1))
                return nil
            }
            return checkAliasExpansion(root) ? root : nil
        } catch let error as YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                var message = problem
                if let context { message = "\(context.text) \(problem)".trimmingCharacters(in: .whitespaces) }
                message = "YAML: " + message
                if problem.contains("Maximum nesting level") {
                    message = "YAML: the value nests more than 1000 levels deep (lists or mappings inside each other)"
                }
                if Self.quotingHelps(problem) { message += "; " + hint(forLine: mark.line) }
                diagnostics.error(message, at: source.location(line: mark.line, column: mark.column))
            case .duplicatedKeysInMapping(let duplicates, let context):
                for key in duplicates { reportDuplicate(key, firstAt: context.mark) }
            default:
                diagnostics.error("YAML: \(error)", at: source.location(line: 1, column: 1))
            }
            return nil
        } catch {
            diagnostics.error("YAML: \(error)", at: source.location(line: 1, column: 1))
            return nil
        }
    }

    /// Points at the second `key:` written at the same indentation as the first one.
    private mutating func reportDuplicate(_ key: String, firstAt mark: Mark) {
        let indent = String(repeating: " ", count: max(0, mark.column - 1))
        var line = mark.line + 1
        while let text = source.line(line) {
            if text.hasPrefix(indent + key + ":") || text.hasPrefix(indent + "\"\(key)\":") {
                diagnostics.error(
                    "duplicate key '\(key)' (first at line \(mark.line)); YAML keeps only one",
                    at: source.location(line: line, column: mark.column))
                return
            }
            line += 1
        }
        diagnostics.error(
            "duplicate key '\(key)' in this mapping; YAML keeps only one",
            at: source.location(line: mark.line, column: mark.column))
    }

    /// What to do about a syntax error on `line`: quote the value when it really holds `: `, ` #`, `{` or a
    /// ternary; replace a tab used for indentation; otherwise check the line's indentation against the lines
    /// above.
    func hint(forLine line: Int) -> String {
        let text = source.line(line).map(String.init) ?? ""
        let indentation = text.prefix { $0 == " " || $0 == "\t" }
        if indentation.contains("\t") {
            return "this line is indented with a tab: YAML indents with spaces only"
        }
        var rest = text.dropFirst(indentation.count)
        if rest.hasPrefix("- ") { rest = rest.dropFirst(2) }
        if let nested = Self.nestedQuotes(in: rest.range(of: ": ").map { rest[$0.upperBound...] } ?? rest) {
            return nested
        }
        if let colon = rest.range(of: ": ") {
            let value = rest[colon.upperBound...]
            if value.contains(": ") || value.contains(" #") || value.hasPrefix("{") || value.contains(" {")
                || value.contains(" ? ")
            {
                return
                    "quote this value (an expression with ': ', ' #', '{' or a ternary `a ? b : c` must be quoted)"
            }
        }
        var above = line - 1
        while above > 0, let previous = source.line(above) {
            let trimmed = previous.drop { $0 == " " }
            if !trimmed.isEmpty, !trimmed.hasPrefix("#") {
                let spaces = previous.count - trimmed.count
                return
                    "check the indentation of this line (\(indentation.count) space\(indentation.count == 1 ? "" : "s"), the line above uses \(spaces))"
            }
            above -= 1
        }
        return "check the indentation of this line"
    }

    /// The hint for a quoted value that holds its own quote mark (`"${{ default(x, "none") }}"`): the inner
    /// mark ends the value early, so "quote this value" would mislead. Nil when the value is not such.
    static func nestedQuotes(in value: Substring) -> String? {
        var value = value.trimmingCharacters(in: .whitespaces)
        guard let quote = value.first, quote == "\"" || quote == "'" else { return nil }
        // `''` inside single quotes is an escaped quote, not the end of the value.
        if quote == "'" { value = value.replacingOccurrences(of: "''", with: "") }
        var marks = 0
        var previous: Character = " "
        for character in value {
            if character == quote, !(quote == "\"" && previous == "\\") { marks += 1 }
            previous = character
        }
        guard marks > 2 else { return nil }
        return quote == "\""
            ? "this value is in double quotes and holds double quotes too: the first inner \" ends it. Write the strings inside with single quotes (\"${{ default(body.name, 'none') }}\"), or put the whole value in single quotes ('${{ default(body.name, \"none\") }}')"
            : "this value is in single quotes and holds single quotes too: the first inner ' ends it. Write the strings inside with double quotes ('${{ default(body.name, \"none\") }}'), or double each inner ' ('it''s')"
    }

    private static func quotingHelps(_ problem: String) -> Bool {
        [
            "mapping values are not allowed", "did not find expected", "could not find expected ':'",
            "found character that cannot start any token", "found unexpected",
        ]
        .contains { problem.contains($0) }
    }

    func location(_ node: Node) -> SourceLocation {
        guard let mark = node.mark else { return source.location(line: 1, column: 1) }
        return source.location(line: mark.line, column: mark.column)
    }

    /// The entries of a mapping node, checking for unknown, duplicate and missing keys.
    /// `allowed` nil accepts any key (maps of user-chosen names).
    mutating func mapping(
        _ node: Node, _ what: String, allowed: [String]? = nil, required: [String] = []
    ) -> [Entry]? {
        guard case .mapping(let mapping) = node else {
            diagnostics.error(
                "\(what) must be a mapping (key: value lines), found \(describe(node))", at: location(node))
            return nil
        }
        var entries: [Entry] = []
        var seen: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                diagnostics.error("keys of \(what) must be plain names", at: location(keyNode))
                continue
            }
            let key = keyScalar.string
            if let first = seen[key] {
                diagnostics.error(
                    "duplicate key '\(key)' in \(what) (first at line \(location(first).line)); YAML keeps only one",
                    at: location(keyNode))
                continue
            }
            seen[key] = keyNode
            if let allowed, !allowed.contains(key) {
                var message = "unknown key '\(key)' in \(what)"
                if let suggestion = closest(to: key, in: allowed) { message += "; did you mean '\(suggestion)'?" }
                message += " (allowed: \(allowed.joined(separator: ", ")))"
                diagnostics.error(message, at: location(keyNode))
                continue
            }
            entries.append(Entry(key: key, keyNode: keyNode, value: value))
        }
        for key in required where seen[key] == nil {
            diagnostics.error("\(what) needs '\(key)'", at: location(node))
        }
        return entries
    }

    /// A scalar's text; anything else is an error.
    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, !(scalar.style == .plain && Self.isNull(scalar.string)) else {
            diagnostics.error("\(what) must be text, found \(describe(node))", at: location(node))
            return nil
        }
        return scalar.string
    }

    /// A plain `true` or `false`; anything else is an error.
    mutating func boolean(_ node: Node, _ what: String) -> Bool? {
        if case .bool(let value) = json(node), case .scalar(let scalar) = node, scalar.style == .plain { return value }
        diagnostics.error("\(what) must be true or false, found \(describe(node))", at: location(node))
        return nil
    }

    /// A list node's elements; anything else is an error.
    mutating func sequence(_ node: Node, _ what: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            diagnostics.error(
                "\(what) must be a list (lines starting with '- '), found \(describe(node))", at: location(node))
            return nil
        }
        return Array(sequence)
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s):
            if s.style == .plain, Self.isNull(s.string) { return "nothing (null)" }
            return "'\(s.string.count > 30 ? String(s.string.prefix(30)) + "…" : s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    static func isNull(_ s: String) -> Bool {
        s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL"
    }

    /// A scalar, list or mapping as plain JSON, with YAML 1.2 core types for plain scalars.
    func json(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar): Self.scalarValue(scalar)
        case .sequence(let seq): .array(seq.map { json($0) })
        case .mapping(let map):
            .object(
                Dictionary(map.map { ($0.key.string ?? "", json($0.value)) }, uniquingKeysWith: { _, last in last }))
        case .alias: .null
        }
    }

    static func scalarValue(_ scalar: Node.Scalar) -> JSONValue {
        guard scalar.style == .plain || scalar.style == .any else { return .string(scalar.string) }
        let s = scalar.string
        if isNull(s) { return .null }
        switch s {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let first = s.unicodeScalars.first,
            first == "-" || first == "+" || first == "." || ("0"..."9").contains(first),
            let n = Double(s), n.isFinite, !s.hasPrefix("0x"), !(s.count > 1 && s.hasPrefix("0") && !s.hasPrefix("0."))
        {
            return .number(n)
        }
        return .string(s)
    }
}
