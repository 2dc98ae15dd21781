import BridgeCore
import Foundation

/// Access tokens from OAuth 2 refresh grants (`auth.oauth2` of a fetch), the way OAuth clients keep them: one
/// exchange at the grant's token URL gives a token kept until shortly before it expires (a tenth of its life,
/// at most a minute); callers that need a token while it is being exchanged wait for that exchange, so a burst
/// of events costs one refresh, not one each. A token the API refused (401) is exchanged again, once.
///
/// Nothing of a grant but its token URL appears in an error.
actor OAuth2Tokens {
    private struct Token {
        let value: String
        let renewAt: ContinuousClock.Instant
    }

    private var tokens: [String: Token] = [:]
    private var exchanging: [String: Task<Token, any Error>] = [:]

    /// A token for `grant`: the kept one while it is fresh (and not `refused`), else a new one from `fetcher`.
    func token(for grant: OAuth2Credentials, fetcher: HTTPFetcher, refused: String? = nil) async throws -> String {
        let key = grant.cacheKey
        if let kept = tokens[key], kept.value != refused, kept.renewAt > ContinuousClock.now { return kept.value }
        if let running = exchanging[key] { return try await running.value.value }
        let exchange = Task { try await Self.exchange(grant, fetcher: fetcher) }
        exchanging[key] = exchange
        do {
            let token = try await exchange.value
            tokens[key] = token
            exchanging[key] = nil
            return token.value
        } catch {
            exchanging[key] = nil
            throw error
        }
    }

    /// Exchanges the refresh token at the token URL (RFC 6749 §6): a form POST answered with `access_token`
    /// and `expires_in`. A refusal (4xx) is permanent until the grant is fixed; anything else may pass.
    private static func exchange(_ grant: OAuth2Credentials, fetcher: HTTPFetcher) async throws -> Token {
        let shown = HTTPFetcher.shown(grant.tokenURL)
        guard let origin = FetchOrigin(url: grant.tokenURL) else {
            throw BridgeCoreError(.fetch, "auth.oauth2: token_url \(shown) is not an http(s) URL")
        }
        let request = FetchRequest(
            name: "oauth2 token", method: "POST", url: grant.tokenURL,
            headers: ["content-type": "application/x-www-form-urlencoded", "accept": "application/json"],
            body: Data(grant.tokenForm.utf8), origin: origin)
        let started = ContinuousClock.now
        let response = try await fetcher.send(request)
        let answer = try? JSONValue.parse(response.body)
        guard (200..<300).contains(response.status), let token = answer?["access_token"].stringValue, !token.isEmpty
        else {
            // Providers answer {"error": "invalid_grant", …}: the code is safe to show, the rest may not be.
            let code = answer?["error"].stringValue.map { " (\($0.prefix(60)))" } ?? ""
            let reason = "auth.oauth2: the token request to \(shown) answered \(response.status)\(code)"
            if (400..<500).contains(response.status) && response.status != 429 {
                throw BridgeCoreError(
                    .fetch, "\(reason): check the client id, client secret and refresh token (revoked or expired?)")
            }
            throw OAuth2TokenUnavailable(description: "\(reason): no access token")
        }
        let lifetime =
            answer?["expires_in"].numberValue.flatMap { $0.isFinite && $0 > 0 && $0 <= 86_400 * 30 ? $0 : nil }
            ?? Double(answer?["expires_in"].stringValue ?? "") ?? 3600
        let early = min(60, lifetime / 10)
        return Token(value: token, renewAt: started + .milliseconds(Int((lifetime - early) * 1000)))
    }
}

/// The token URL could not give a token now (unreachable, 5xx, 429): the call is tried again later.
struct OAuth2TokenUnavailable: Error, CustomStringConvertible {
    let description: String
}
