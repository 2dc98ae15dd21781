/// Removes credentials from headers before a request is stored, recorded or shown.
///
/// Signatures have been checked at intake and are not needed later; the worker never verifies again.
public enum HeaderRedaction {
    public static let placeholder = "[redacted]"

    /// Whether a header (lower-case name) carries a credential: authorization and cookies, and anything named
    /// like a signature, key, token or secret.
    public static func isCredential(_ name: String) -> Bool {
        let n = name.lowercased()
        if ["authorization", "proxy-authorization", "cookie", "set-cookie"].contains(n) { return true }
        return ["signature", "key", "token", "secret", "password", "auth"].contains { n.contains($0) }
    }

    public static func redact(_ headers: [String: String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: headers.map { ($0.key, isCredential($0.key) ? placeholder : $0.value) })
    }
}
