import Foundation

/// A received webhook as the bridge stores and replays it: method, path, query, headers and the exact body bytes.
public struct WebhookRequest: Sendable, Hashable {
    public var method: String
    /// The path as requested, without the query.
    public var path: String
    /// The raw query string, without `?` (empty when none).
    public var query: String
    /// Header names lower-cased; repeated headers joined with ", ".
    public var headers: [String: String]
    /// The body exactly as received: signatures are checked over these bytes.
    public var body: Data
    /// When the bridge received it; signature time windows are measured from here.
    public var receivedAt: Date

    public init(
        method: String = "POST", path: String, query: String = "", headers: [String: String] = [:], body: Data,
        receivedAt: Date = Date()
    ) {
        self.method = method.uppercased()
        self.path = path
        self.query = query
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { "\($0), \($1)" })
        self.body = body
        self.receivedAt = receivedAt
    }

    /// A header by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }

    /// The query parameters, percent-decoded (`+` as a space). A repeated name keeps its last value.
    public var queryItems: [String: String] {
        var items: [String: String] = [:]
        for (name, value) in Self.decodeForm(query) { items[name] = value }
        return items
    }

    /// Splits `a=1&b=two+words` into decoded pairs, as HTML forms and query strings encode them.
    public static func decodeForm(_ text: String) -> [(String, String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (s: Substring) in
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}
