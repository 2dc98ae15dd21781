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
        /// A sender's signature or credentials did not check out (answered 401).
        case verification
        /// A request refused at intake; `httpStatus` is the answer (400, 401, 415…).
        case rejected
        /// A CSV file's columns cannot be placed into the pipeline's fields (`CSVColumnMapping`).
        case mapping
    }

    public var kind: Kind
    public var message: String
    public var location: SourceLocation?
    public var diagnostics: [Diagnostic]
    /// For `.rejected`: the HTTP status to answer.
    public var httpStatus: Int?

    public init(
        _ kind: Kind, _ message: String, at location: SourceLocation? = nil, diagnostics: [Diagnostic] = [],
        httpStatus: Int? = nil
    ) {
        self.kind = kind
        self.message = message
        self.location = location
        self.diagnostics = diagnostics
        self.httpStatus = httpStatus
    }

    /// A request refused at intake, with the status to answer.
    static func rejected(_ status: Int, _ reason: String) -> BridgeCoreError {
        BridgeCoreError(.rejected, reason, httpStatus: status)
    }

    /// `file:line:col: message` when the place is known, else the message.
    public var description: String {
        if !diagnostics.isEmpty { return diagnostics.map(\.description).joined(separator: "\n") }
        if let location { return "\(location): \(message)" }
        return message
    }
}
