import Foundation

/// A field of a stored request compared with a value, as an operator writes it: `body.current.email = x`,
/// `headers.x-shopify-topic = customers/create`. The body is read as JSON (a body that is not JSON has no field);
/// header names are lower-case; a number in the path is a list index (`body.items.0.id`). The comparison ignores
/// case.
public struct RequestField: Sendable, Hashable {
    public enum Part: String, Sendable {
        case body
        case headers
    }

    public var part: Part
    /// The keys below the body (at least one), or the one header name.
    public var path: [String]
    public var value: String

    public init(part: Part, path: [String], value: String) {
        self.part = part
        self.path = path
        self.value = value
    }

    /// `PATH = VALUE` (spaces around `=` optional), PATH starting with `body.` or `headers.`.
    public init(text: String) throws(BridgeStoreError) {
        guard let equals = text.firstIndex(of: "=") else {
            throw BridgeStoreError(
                "field '\(text)' has no '=': write PATH = VALUE, e.g. body.current.email = ada@example.com or headers.x-shopify-topic = customers/create"
            )
        }
        let path = text[..<equals].trimmingCharacters(in: .whitespaces)
        let value = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        let keys = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = keys.first, let part = Part(rawValue: first), keys.count >= 2,
            !keys.dropFirst().contains(where: \.isEmpty)
        else {
            throw BridgeStoreError(
                "field '\(path)' is not a path into the request: start it with body. or headers. (body.current.email, headers.x-shopify-topic)"
            )
        }
        if let bad = keys.first(where: { $0.contains(where: { "\"\\[]$".contains($0) || $0.isNewline }) }) {
            throw BridgeStoreError(
                "field '\(path)': the key '\(bad)' holds a character a path cannot name (\", \\, [, ], $)")
        }
        if part == .headers, keys.count != 2 {
            throw BridgeStoreError("field '\(path)': a header is one name after headers. (headers.x-shopify-topic)")
        }
        self.init(part: part, path: part == .headers ? [keys[1].lowercased()] : Array(keys.dropFirst()), value: value)
    }

    /// The path as SQLite's JSON functions take it: `$."current"."email"`, `$."items"[0]`.
    var sqlitePath: String {
        "$" + path.map { key in key.allSatisfy(\.isNumber) && part == .body ? "[\(key)]" : ".\"\(key)\"" }.joined()
    }

    /// The path as PostgreSQL's `#>>` takes it: a text array, `{"current","email"}`.
    var postgresPath: String {
        "{" + path.map { "\"\($0)\"" }.joined(separator: ",") + "}"
    }

    /// As an operator writes it.
    public var text: String { "\(part.rawValue).\(path.joined(separator: ".")) = \(value)" }
}
