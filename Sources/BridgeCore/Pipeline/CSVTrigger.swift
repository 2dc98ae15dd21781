/// `trigger.csv`: the pipeline imports CSV rows (`crisp-bridge import`) rather than listening for webhooks. Each
/// row is the request's body, an object keyed by the header's column names.
public struct CSVTrigger: Sendable {
    /// The columns a file must have (after `fields` and `mapping` placed its columns); a file without one of
    /// them is refused before any row is read.
    public let columns: [String]
    /// The fields the pipeline reads: a column named like one (whatever its case, spaces, `-` or `_`) or by a
    /// common synonym of it fills it (`CSVColumnMapping`); empty: columns keep their names.
    public var fields: [String] = []
    /// Columns placed by name (header as written → field; "" ignores the column), before any matching.
    public var mapping: [String: String] = [:]
    public let location: SourceLocation

    /// How the columns of `header` fill the fields, with the user's `given` mapping over the pipeline's.
    public func mapping(of header: [String], given: [String: String] = [:]) throws(BridgeCoreError)
        -> CSVColumnMapping
    {
        try CSVColumnMapping(header: header, fields: fields, given: mapping.merging(given) { $1 })
    }
}
