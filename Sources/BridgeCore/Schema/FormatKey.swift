/// One key of the pipeline or test-file format: its name, what it means, and the JSON Schema of its value.
///
/// The loader takes the keys it accepts from these tables and `crisp-bridge schema` writes them out, so the
/// two cannot drift apart.
public struct FormatKey: Sendable {
    /// The key as written in YAML.
    public let name: String
    /// What it means, for editors (the schema's `description`).
    public let summary: String
    /// The JSON Schema of its value, without the description.
    let schema: JSONValue

    init(_ name: String, _ summary: String, _ schema: JSONValue) {
        self.name = name
        self.summary = summary
        self.schema = schema
    }
}

extension Array where Element == FormatKey {
    /// The key names, in the table's order.
    var names: [String] { map(\.name) }
}
