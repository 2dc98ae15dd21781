import BridgeCore
import Foundation

/// Removes credentials from headers and query strings before a request is stored, recorded or shown.
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

    /// Whether a query parameter carries a credential: one the sender names (`?key=`, Dataverse's `?code=`), or
    /// one named like a credential.
    public static func isCredentialParameter(_ name: String, senderNames: [String] = []) -> Bool {
        let n = name.lowercased()
        return senderNames.contains { $0.lowercased() == n } || ["code", "sig"].contains(n) || isCredential(n)
    }

    /// The query string with the values of credential parameters replaced by `redacted`.
    public static func redactQuery(_ query: String, senderNames: [String] = []) -> String {
        guard !query.isEmpty else { return query }
        return query.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            let decoded = name.removingPercentEncoding ?? name
            return isCredentialParameter(decoded, senderNames: senderNames) ? "\(name)=redacted" : String(pair)
        }.joined(separator: "&")
    }

    /// The request as it may be stored, recorded or shown: credential headers and query parameters redacted, and
    /// credentials the sender puts in its body.
    public static func redact(
        _ request: WebhookRequest, senderNames: [String] = [], sender: (any SenderVerifier)? = nil
    ) -> WebhookRequest {
        var redacted = request
        if let sender { redacted.body = sender.redactBody(request.body) }
        redacted.headers = redact(request.headers)
        redacted.query = redactQuery(request.query, senderNames: senderNames)
        return redacted
    }
}
