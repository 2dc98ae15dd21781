/// The text of a loaded file, kept so diagnostics can show the offending line.
public struct SourceFile: Sendable {
    /// The path as the user gave it, used in `file:line:col`.
    public let path: String
    /// The whole text.
    public let text: String
    /// The text split into lines, without their line breaks.
    public let lines: [Substring]

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }
    }

    /// The text of line `number` (1-based), or nil past the end.
    public func line(_ number: Int) -> Substring? {
        lines.indices.contains(number - 1) ? lines[number - 1] : nil
    }

    /// A location in this file.
    public func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: path, line: line, column: column)
    }
}
