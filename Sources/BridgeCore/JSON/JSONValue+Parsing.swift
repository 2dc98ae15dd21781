import Foundation

extension JSONValue {
    /// Parses JSON text. Throws a `BridgeCoreError` of kind `.invalidJSON` that says the line and column.
    public static func parse(_ data: Data) throws(BridgeCoreError) -> JSONValue {
        try JSONParser.parse(data)
    }

    /// Parses JSON text given as a string.
    public static func parse(_ text: String) throws(BridgeCoreError) -> JSONValue {
        try JSONParser.parse(text.utf8)
    }
}
