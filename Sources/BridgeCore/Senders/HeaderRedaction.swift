import Foundation

/// Removes credentials from headers and query strings before a request is stored, recorded or shown.
///
/// Signatures have been checked at intake and are not needed later; the worker never verifies again.
public enum HeaderRedaction {
    public static let placeholder = "[redacted]"

    /// Whether a header or query parameter carries a credential: authorization and cookies, and any name with
    /// a word such as key, token, secret, signature, password, auth, hmac or code in it (`x-api-key`,
    /// `accessToken`, `X-Hub-Signature-256`), but not a word that merely contains one (`keyword`, `author`).
    public static func isCredential(_ name: String) -> Bool {
        words(of: name).contains { credentialWords.contains($0) }
    }

    static let credentialWords: Set<String> = [
        "authorization", "auth", "cookie", "key", "apikey", "token", "secret", "signature", "sig", "password",
        "passwd", "pass", "pwd", "hmac", "code", "credential", "credentials", "jwt", "bearer",
    ]

    /// The lower-case words of a name: split at `-`, `_`, `.`, spaces, digits and lower-to-upper case changes.
    static func words(of name: String) -> [String] {
        // Header names are ASCII: their bytes are read as they are (this runs for every header of every request
        // intake stores); other names go character by character.
        if name.utf8.allSatisfy({ $0 < 0x80 }) { return asciiWords(of: name) }
        var words: [String] = []
        var current = ""
        var previousLower = false
        for character in name {
            if !character.isLetter {
                if !current.isEmpty { words.append(current) }
                current = ""
                previousLower = false
                continue
            }
            if character.isUppercase, previousLower, !current.isEmpty {
                words.append(current)
                current = ""
            }
            current += character.lowercased()
            previousLower = character.isLowercase
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// `words(of:)` for an ASCII name, byte by byte.
    static func asciiWords(of name: String) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        var previousLower = false
        for byte in name.utf8 {
            let upper = (0x41...0x5A).contains(byte)
            let lower = (0x61...0x7A).contains(byte)
            if (!upper && !lower) || (upper && previousLower && !current.isEmpty) {
                if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
                current.removeAll(keepingCapacity: true)
                previousLower = false
                if !upper { continue }
            }
            current.append(upper ? byte + 0x20 : byte)
            previousLower = lower
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }

    /// Headers with credential values replaced by `[redacted]`: those named like credentials, and `senderNames`
    /// (the header a `header` or `dynamics` verifier checks).
    public static func redact(_ headers: [String: String], senderNames: [String] = []) -> [String: String] {
        let named = Set(senderNames.map { $0.lowercased() })
        return Dictionary(
            uniqueKeysWithValues: headers.map {
                ($0.key, named.contains($0.key.lowercased()) || isCredential($0.key) ? placeholder : $0.value)
            })
    }

    /// Whether a query parameter carries a credential: one the sender names (`?key=`, Dataverse's `?code=`), or
    /// one named like a credential.
    public static func isCredentialParameter(_ name: String, senderNames: [String] = []) -> Bool {
        senderNames.contains { $0.lowercased() == name.lowercased() } || isCredential(name)
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
        _ request: WebhookRequest, secrets: SenderSecretNames = SenderSecretNames(), sender: (any SenderVerifier)? = nil
    ) -> WebhookRequest {
        var redacted = request
        if let sender { redacted.body = sender.redactBody(request.body) }
        redacted.headers = redact(request.headers, senderNames: secrets.headers)
        redacted.query = redactQuery(request.query, senderNames: secrets.queryParameters)
        return redacted
    }
}
