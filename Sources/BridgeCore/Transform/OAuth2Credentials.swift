import Crypto
import Foundation

/// An OAuth 2 grant as a call uses it (`auth.oauth2`, its templates evaluated): where an access token is had (for
/// the refresh token, or with no refresh token for the client itself: the client-credentials grant), with which
/// client, and how the token is sent (`Authorization: SCHEME TOKEN`).
/// The runtime's fetcher exchanges it when it has no fresh token, keeps the token until shortly before it
/// expires, and renews it once when the API answers 401. Every value but the URL and scheme is a secret: never
/// shown, logged or recorded.
public struct OAuth2Credentials: Sendable, Hashable {
    public var tokenURL: String
    public var clientID: String
    public var clientSecret: String
    /// The refresh token; nil for the client-credentials grant (RFC 6749 §4.4).
    public var refreshToken: String?
    /// Scopes to ask for (space-separated), when the provider wants them on refresh.
    public var scope: String?
    /// The `Authorization` scheme: `Bearer`, or e.g. `Zoho-oauthtoken`.
    public var scheme: String

    public init(
        tokenURL: String, clientID: String, clientSecret: String, refreshToken: String?, scope: String? = nil,
        scheme: String = "Bearer"
    ) {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.refreshToken = refreshToken
        self.scope = scope
        self.scheme = scheme
    }

    /// What one cached token is kept under: the grant, with the refresh token (or the client's secret) only as a
    /// digest.
    public var cacheKey: String {
        let digest = SHA256.hash(data: Data((refreshToken ?? clientSecret).utf8)).prefix(8).map {
            String(format: "%02x", $0)
        }.joined()
        return [tokenURL, clientID, scope ?? "", digest].joined(separator: " ")
    }

    /// The settings left empty (an unset environment variable), by their names in the pipeline.
    public var missing: [String] {
        [
            ("token_url", tokenURL), ("client_id", clientID), ("client_secret", clientSecret),
            ("refresh_token", refreshToken ?? "-"),
        ].filter { $0.1.isEmpty }.map(\.0)
    }

    /// Whether nothing was given to sign in with (no client, no secret, no refresh token): a pipeline that also
    /// takes a plain token in its headers.
    public var isUnset: Bool { clientID.isEmpty && clientSecret.isEmpty && (refreshToken ?? "").isEmpty }

    /// The token request's form body, percent-encoded: the refresh grant (RFC 6749 §6), or the client-credentials
    /// grant (§4.4).
    public var tokenForm: String {
        var pairs =
            if let refreshToken {
                [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
            } else {
                [("grant_type", "client_credentials")]
            }
        pairs += [("client_id", clientID), ("client_secret", clientSecret)]
        if let scope, !scope.isEmpty { pairs.append(("scope", scope)) }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }
            .joined(separator: "&")
    }
}
