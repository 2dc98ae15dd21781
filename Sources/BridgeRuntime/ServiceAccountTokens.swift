import BridgeCore
import Crypto
import Foundation
import _CryptoExtras

/// OAuth access tokens for Google service accounts, the way Google's own libraries get them: a JWT signed with
/// the key file's private key (RS256) is exchanged at the key's `token_uri` for an access token, which is reused
/// until a minute before it expires. One token per key file and scopes.
///
/// The key file is read when a token is needed (a rotated key is picked up); nothing of it is logged.
public actor ServiceAccountTokens {
    private struct Cached {
        let token: String
        let expires: Date
    }

    /// The fields of a service account's JSON key that the exchange uses.
    struct Key {
        let clientEmail: String
        let privateKey: _RSA.Signing.PrivateKey
        let keyID: String?
        let tokenURI: String
    }

    private let fetcher: (any Fetcher)?
    private let now: @Sendable () -> Date
    private var cache: [String: Cached] = [:]
    /// Token requests made so far (for a poll's request count).
    public private(set) var exchanges = 0

    /// `fetcher` makes the token request (the runtime's HTTP fetcher); without one, each caller names its own.
    public init(fetcher: (any Fetcher)? = nil, now: @escaping @Sendable () -> Date = Date.init) {
        self.fetcher = fetcher
        self.now = now
    }

    /// An `Authorization` header value (`Bearer …`) for the key file and scopes.
    public func authorization(keyFile: String, scopes: [String]) async throws(PollFailure) -> String {
        guard let fetcher else { throw PollFailure("no fetcher was given for the service account's token request") }
        return try await authorization(keyFile: keyFile, scopes: scopes, via: fetcher)
    }

    /// An `Authorization` header value for the key file and scopes, its token (when none is kept) had through
    /// `fetcher`.
    func authorization(keyFile: String, scopes: [String], via fetcher: any Fetcher) async throws(PollFailure)
        -> String
    {
        let cacheKey = keyFile + " " + scopes.joined(separator: " ")
        let time = now()
        if let cached = cache[cacheKey], cached.expires > time.addingTimeInterval(60) {
            return "Bearer \(cached.token)"
        }
        let key = try Self.readKey(keyFile)
        let assertion = try Self.assertion(key: key, scopes: scopes, at: time)
        let form =
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(assertion)"
        let request = FetchRequest(
            name: "token", method: "POST", url: key.tokenURI,
            headers: ["content-type": "application/x-www-form-urlencoded"], body: Data(form.utf8),
            origin: FetchOrigin(url: key.tokenURI))
        exchanges += 1
        let response: FetchResponse
        do {
            response = try await fetcher.fetch(request)
        } catch {
            throw PollFailure("the service account's token request to \(key.tokenURI) failed: \(error)")
        }
        let answer = try? JSONValue.parse(response.body)
        guard (200..<300).contains(response.status), let token = answer?["access_token"].stringValue,
            !token.isEmpty
        else {
            // Google answers {"error": "invalid_grant", "error_description": "…"}: safe to show, no secret in it.
            let reason = [answer?["error"].stringValue, answer?["error_description"].stringValue]
                .compactMap { $0 }.joined(separator: ": ")
            throw PollFailure(
                "the service account \(key.clientEmail) got no access token from \(key.tokenURI) (status \(response.status)\(reason.isEmpty ? "" : ", \(reason)"))",
                status: response.status,
                retryAfter: PollFailure.retryAfter(response.headers["retry-after"], now: time))
        }
        // A lifetime that is not a sensible number of seconds is taken as Google's usual hour.
        let lifetime =
            answer?["expires_in"].numberValue.flatMap { $0.isFinite && $0 > 0 && $0 <= 86_400 ? $0 : nil } ?? 3600
        cache[cacheKey] = Cached(token: token, expires: time.addingTimeInterval(lifetime))
        return "Bearer \(token)"
    }

    /// Drops the cached token of a key file and scopes (the API refused it).
    public func forget(keyFile: String, scopes: [String]) {
        cache[keyFile + " " + scopes.joined(separator: " ")] = nil
    }

    /// Reads a service account's JSON key file.
    static func readKey(_ path: String) throws(PollFailure) -> Key {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PollFailure("cannot read the service account key file \(path)")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(data)
        } catch {
            throw PollFailure("the service account key file \(path) is not JSON: \(error.message)")
        }
        guard json["type"].stringValue == "service_account", let email = json["client_email"].stringValue,
            let pem = json["private_key"].stringValue
        else {
            throw PollFailure(
                "\(path) is not a service account key (a JSON key with type \"service_account\", client_email and private_key, as the Google Cloud console downloads it)"
            )
        }
        let privateKey: _RSA.Signing.PrivateKey
        do {
            privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw PollFailure("the private_key of \(path) is not an RSA key of 2048 bits or more")
        }
        let tokenURI = json["token_uri"].stringValue ?? "https://oauth2.googleapis.com/token"
        guard FetchOrigin(url: tokenURI) != nil else {
            throw PollFailure("the token_uri of \(path) is not an http(s) URL")
        }
        return Key(
            clientEmail: email, privateKey: privateKey, keyID: json["private_key_id"].stringValue, tokenURI: tokenURI)
    }

    /// The signed JWT the token endpoint takes: `{iss, scope, aud, iat, exp}`, one hour, RS256.
    static func assertion(key: Key, scopes: [String], at time: Date) throws(PollFailure) -> String {
        var header: [String: JSONValue] = ["alg": "RS256", "typ": "JWT"]
        if let keyID = key.keyID { header["kid"] = .string(keyID) }
        let issued = time.timeIntervalSince1970.rounded(.down)
        let claims: JSONValue = .object([
            "iss": .string(key.clientEmail), "scope": .string(scopes.joined(separator: " ")),
            "aud": .string(key.tokenURI), "iat": .number(issued), "exp": .number(issued + 3600),
        ])
        let signingInput =
            base64URL(Data(JSONValue.object(header).jsonText.utf8)) + "." + base64URL(Data(claims.jsonText.utf8))
        do {
            let signature = try key.privateKey.signature(
                for: SHA256.hash(data: Data(signingInput.utf8)), padding: .insecurePKCS1v1_5)
            return signingInput + "." + base64URL(signature.rawRepresentation)
        } catch {
            throw PollFailure("cannot sign the service account's JWT: \(error)")
        }
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
