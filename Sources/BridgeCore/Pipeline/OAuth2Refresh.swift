/// `auth: { oauth2: { token_url, client_id, client_secret, refresh_token?, scope?, scheme? } }` of a call: the
/// templates of an OAuth 2 refresh grant (Zoho, Salesforce, HubSpot…) or, without a refresh token, of the
/// client-credentials grant (Microsoft Entra ID…), evaluated for each call into `OAuth2Credentials`.
struct OAuth2Refresh: Sendable {
    let tokenURL: ValueTemplate
    let clientID: ValueTemplate
    let clientSecret: ValueTemplate
    /// nil: the client-credentials grant.
    let refreshToken: ValueTemplate?
    let scope: ValueTemplate?
    let scheme: String

    /// The grant with this frame's values (an unset variable is empty: the fetcher says which).
    func credentials(_ frame: inout [JSONValue]) throws -> OAuth2Credentials {
        func text(_ template: ValueTemplate) throws -> String {
            let value = try template.evaluate(&frame)
            return value.isNull ? "" : value.stringValue ?? value.jsonText
        }
        return OAuth2Credentials(
            tokenURL: try text(tokenURL), clientID: try text(clientID), clientSecret: try text(clientSecret),
            refreshToken: try refreshToken.map(text), scope: try scope.map(text).flatMap { $0.isEmpty ? nil : $0 },
            scheme: scheme)
    }

    var templates: [ValueTemplate] {
        [tokenURL, clientID, clientSecret] + [refreshToken, scope].compactMap { $0 }
    }
}
