import Foundation

/// Where `serve` takes its variables from, read again on every reload so a new or changed secret needs no
/// restart: the process environment, then each `--env-file` over it (`NAME=VALUE` lines, `#` comments,
/// `export ` and quotes allowed), then the `NAME_FILE` convention of container platforms — a variable
/// `NAME_FILE` names a file holding `NAME`'s value (Docker and Kubernetes secrets mounted as files).
public struct EnvironmentSources: Sendable {
    /// The process environment (or a test's).
    public var process: [String: String]
    /// `--env-file` paths, in the order given (a later file wins).
    public var files: [String]

    public init(process: [String: String], files: [String] = []) {
        self.process = process
        self.files = files
    }

    /// The environment as the pipelines see it. `NAME_FILE` is read for each of `wanted` (the names the
    /// pipelines read) and for every `CRISP_…`/`BRIDGE_…` name, when `NAME` itself is not set. Every problem
    /// says which file and line, or which variable, and why.
    public func resolve(wanted: Set<String>) throws(Bridge.StartupError) -> [String: String] {
        var environment = process
        var problems: [String] = []
        for file in files {
            do {
                for (name, value) in try Self.parse(file: file) { environment[name] = value }
            } catch {
                problems.append(error.description)
            }
        }
        let secretFiles = environment.keys.filter { $0.hasSuffix("_FILE") && $0.count > 5 }.sorted()
        for key in secretFiles {
            let name = String(key.dropLast(5))
            guard wanted.contains(name) || name.hasPrefix("CRISP_") || name.hasPrefix("BRIDGE_"),
                let path = environment[key], !path.isEmpty
            else { continue }
            if let set = environment[name], !set.isEmpty {
                problems.append("both \(name) and \(key) are set: keep one (\(key) names a file holding \(name))")
                continue
            }
            do {
                try Self.checkFile(path, what: "\(key) names \(path), which")
            } catch {
                problems.append(error.description)
                continue
            }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
            else {
                problems.append("\(key) names \(path), which cannot be read as UTF-8 text: \(name) stays unset")
                continue
            }
            // A file written by `echo` ends with a line break that is not part of the secret.
            var value = Substring(text)
            while value.last?.isNewline == true { value = value.dropLast() }
            environment[name] = String(value)
        }
        guard problems.isEmpty else {
            throw Bridge.StartupError(description: problems.joined(separator: "\n"), problems: problems)
        }
        return environment
    }

    /// The variables of an env file. Lines: `NAME=VALUE`, `export NAME=VALUE`, blank, or `# comment`; a value in
    /// single quotes is taken as it is, one in double quotes understands `\n`, `\"` and `\\`; an unquoted value
    /// ends at ` #`.
    static func parse(file: String) throws(Bridge.StartupError) -> [(String, String)] {
        try Self.checkFile(file, what: "--env-file \(file)")
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Bridge.StartupError(description: "--env-file \(file) cannot be read (no such file, or not readable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Bridge.StartupError(description: "--env-file \(file) is not UTF-8 text")
        }
        var variables: [(String, String)] = []
        // `\r\n` is one Character in Swift: split on any line break (a file saved on Windows too).
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let eq = line.firstIndex(of: "="),
                let name = Optional(line[..<eq].trimmingCharacters(in: .whitespaces)), Self.isName(name)
            else {
                throw Bridge.StartupError(
                    description:
                        "\(file):\(index + 1): not NAME=VALUE (a name is letters, digits and _, not starting with a digit)"
                )
            }
            let rest = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            variables.append((name, try Self.value(rest, at: "\(file):\(index + 1)")))
        }
        return variables
    }

    private static func value(_ text: String, at location: String) throws(Bridge.StartupError) -> String {
        if let quote = text.first, quote == "'" || quote == "\"" {
            // The first closing quote that is not escaped (`\"` inside double quotes).
            var end: String.Index?
            var index = text.index(after: text.startIndex)
            while index < text.endIndex {
                if text[index] == "\\", quote == "\"" {
                    index = text.index(index, offsetBy: 2, limitedBy: text.endIndex) ?? text.endIndex
                    continue
                }
                if text[index] == quote {
                    end = index
                    break
                }
                index = text.index(after: index)
            }
            guard let end else {
                throw Bridge.StartupError(description: "\(location): the value's \(quote) is not closed on this line")
            }
            let after = text[text.index(after: end)...].trimmingCharacters(in: .whitespaces)
            guard after.isEmpty || after.hasPrefix("#") else {
                throw Bridge.StartupError(description: "\(location): text after the value's closing \(quote)")
            }
            let inner = String(text[text.index(after: text.startIndex)..<end])
            guard quote == "\"" else { return inner }
            var out = ""
            var escaped = false
            for character in inner {
                if escaped {
                    out.append(character == "n" ? "\n" : character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else {
                    out.append(character)
                }
            }
            return out
        }
        if let comment = text.range(of: " #") {
            return text[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
        }
        return text
    }

    /// The most bytes an env file or a secret file may have: either is a few lines.
    static let maxFileBytes = 1 << 20

    /// Refuses what is not a small regular file, saying what it is instead (`what` starts the sentence).
    private static func checkFile(_ path: String, what: String) throws(Bridge.StartupError) {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let attributes else {
            throw Bridge.StartupError(description: "\(what) does not exist (or its folder cannot be read)")
        }
        if attributes[.type] as? FileAttributeType == .typeDirectory {
            throw Bridge.StartupError(description: "\(what) is a folder, not a file")
        }
        if let size = (attributes[.size] as? NSNumber)?.intValue, size > maxFileBytes {
            throw Bridge.StartupError(
                description: "\(what) is larger than 1 MiB (\(size) bytes): not an env or secret file")
        }
    }

    private static func isName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        }
    }
}
