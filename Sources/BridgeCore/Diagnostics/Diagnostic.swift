/// One problem found in a file: where, how bad, and what to do about it.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
        case note
    }

    public var severity: Severity
    public var message: String
    public var location: SourceLocation
    /// The text of the line the location points into, when known.
    public var sourceLine: String?

    public init(_ severity: Severity, _ message: String, at location: SourceLocation, sourceLine: String? = nil) {
        self.severity = severity
        self.message = message
        self.location = location
        self.sourceLine = sourceLine
    }

    /// `file:line:col: error: message`, the first line of the rendering.
    public var summary: String { "\(location): \(severity.rawValue): \(message)" }

    /// The summary, then the source line and a caret under the column.
    public var description: String {
        guard let sourceLine else { return summary }
        let prefix = sourceLine.unicodeScalars.prefix(max(0, location.column - 1))
        let padding = String(prefix.map { $0 == "\t" ? "\t" : " " })
        return "\(summary)\n\(sourceLine)\n\(padding)^"
    }
}

extension Array where Element == Diagnostic {
    /// Whether any of these is an error (warnings and notes do not stop a pipeline).
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
