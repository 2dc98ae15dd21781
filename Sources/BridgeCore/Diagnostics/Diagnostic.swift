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

    /// The summary, then the source line and a caret under the column. A long line is cut to a window of
    /// about 100 characters around the column, with `…` where text was left out.
    public var description: String {
        guard let sourceLine else { return summary }
        let scalars = Array(sourceLine.unicodeScalars)
        let column = min(max(0, location.column - 1), scalars.count)
        let window = Self.excerptWidth
        var start = 0
        var end = scalars.count
        if scalars.count > window {
            start = max(0, min(column - window / 2, scalars.count - window))
            end = min(scalars.count, start + window)
        }
        var shown = String(String.UnicodeScalarView(scalars[start..<end]))
        var padding = String(scalars[start..<column].map { $0 == "\t" ? "\t" : " " })
        if start > 0 {
            shown = "…" + shown
            padding = " " + padding
        }
        if end < scalars.count { shown += "…" }
        return "\(summary)\n\(shown)\n\(padding)^"
    }

    /// How many characters of a long source line a rendering shows.
    static let excerptWidth = 100
}

extension Array where Element == Diagnostic {
    /// Whether any of these is an error (warnings and notes do not stop a pipeline).
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
