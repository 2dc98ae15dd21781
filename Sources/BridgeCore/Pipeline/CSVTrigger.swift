/// `trigger.csv`: the pipeline imports CSV rows (`crisp-bridge import`) rather than listening for webhooks. Each
/// row is the request's body, an object keyed by the header's column names.
public struct CSVTrigger: Sendable {
    /// The columns a file must have; a file without one of them is refused before any row is read.
    public let columns: [String]
    public let location: SourceLocation

    /// The expected columns missing from a header.
    public func missing(in header: [String]) -> [String] {
        let present = Set(header)
        return columns.filter { !present.contains($0) }
    }
}
