/// The one error type of BridgeCore: what went wrong, where, and for a load, every diagnostic found.
public struct BridgeCoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; callers decide on it (for example, a refused request versus a failed event).
    public enum Kind: String, Sendable {
        /// A pipeline or test file has problems; `diagnostics` lists all of them.
        case invalidFile
        /// Text that should be JSON is not.
        case invalidJSON
        /// An expression failed while running (a type error, a bad argument).
        case evaluation
        /// A planned Crisp operation breaks Crisp's rules (a bad email, a bad custom-data key…).
        case invalidOperation
        /// An enrichment `fetch` failed.
        case fetch
        /// A file could not be read or written.
        case io
    }

    public var kind: Kind
    public var message: String
    public var location: SourceLocation?
    public var diagnostics: [Diagnostic]

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil, diagnostics: [Diagnostic] = []) {
        self.kind = kind
        self.message = message
        self.location = location
        self.diagnostics = diagnostics
    }

    /// `file:line:col: message` when the place is known, else the message.
    public var description: String {
        if !diagnostics.isEmpty { return diagnostics.map(\.description).joined(separator: "\n") }
        if let location { return "\(location): \(message)" }
        return message
    }
}
