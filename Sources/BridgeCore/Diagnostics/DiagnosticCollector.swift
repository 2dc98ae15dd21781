/// Gathers every diagnostic of a load, so all problems are reported in one run.
public struct DiagnosticCollector: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    public let source: SourceFile

    public init(source: SourceFile) {
        self.source = source
    }

    /// Records an error at `location`, attaching the source line.
    public mutating func error(_ message: String, at location: SourceLocation) {
        add(.error, message, at: location)
    }

    /// Records a warning at `location`, attaching the source line.
    public mutating func warning(_ message: String, at location: SourceLocation) {
        add(.warning, message, at: location)
    }

    public mutating func add(_ severity: Diagnostic.Severity, _ message: String, at location: SourceLocation) {
        let line = location.file == source.path ? source.line(location.line).map(String.init) : nil
        diagnostics.append(Diagnostic(severity, message, at: location, sourceLine: line))
    }

    public mutating func append(contentsOf other: [Diagnostic]) {
        diagnostics.append(contentsOf: other)
    }

    /// Whether an error has been recorded.
    public var hasErrors: Bool { diagnostics.hasErrors }
}
