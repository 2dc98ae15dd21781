import Crypto
import Foundation

/// The pieces every signature scheme is built from: HMACs, signature encodings, secret comparison in constant
/// time, and replay windows. Senders combine them; none compares bytes any other way.
enum SignatureCheck {
    /// The hash functions HMAC signatures use.
    enum Algorithm: String, CaseIterable {
        case sha1, sha256, sha512

        func mac(key: some DataProtocol, message: some DataProtocol) -> [UInt8] {
            let key = SymmetricKey(data: Data(key))
            switch self {
            case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
            case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
            case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
            }
        }
    }

    /// How a signature's bytes are written in a header.
    enum Encoding: String, CaseIterable {
        case hex, base64

        func decode(_ text: some StringProtocol) -> [UInt8]? {
            switch self {
            case .base64: return Data(base64Encoded: String(text)).map(Array.init)
            case .hex: return Self.hexBytes(text)
            }
        }

        private static func hexBytes(_ text: some StringProtocol) -> [UInt8]? {
            let digits = Array(text.utf8)
            guard digits.count % 2 == 0 else { return nil }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(digits.count / 2)
            var index = 0
            while index < digits.count {
                guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
                bytes.append(high << 4 | low)
                index += 2
            }
            return bytes
        }

        private static func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
    }

    /// Whether an HMAC of `message` under any of `secrets` equals `given`, in constant time per secret.
    static func anyMAC(
        _ algorithm: Algorithm, secrets: [String], message: some DataProtocol, equals given: [[UInt8]]
    ) -> Bool {
        var matched = false
        for secret in secrets {
            let mac = algorithm.mac(key: Data(secret.utf8), message: message)
            for candidate in given where ConstantTime.equals(mac, candidate) { matched = true }
        }
        return matched
    }

    /// Whether `given` equals any of `secrets`. Digests are compared, so the time does not depend on lengths
    /// or on where the texts differ.
    static func anySecret(_ given: String, equals secrets: [String]) -> Bool {
        let digest = Array(SHA256.hash(data: Data(given.utf8)))
        var matched = false
        for secret in secrets where ConstantTime.equals(digest, Array(SHA256.hash(data: Data(secret.utf8)))) {
            matched = true
        }
        return matched
    }

    /// Refuses a signed timestamp (UNIX seconds) further than `tolerance` seconds from now, either way.
    static func checkWindow(
        _ seconds: Double, now: Date, tolerance: Double, sender: String
    ) throws(BridgeCoreError) {
        let age = now.timeIntervalSince1970 - seconds
        guard seconds.isFinite, age.isFinite else {
            throw BridgeCoreError(.verification, "\(sender): the timestamp is not a number of seconds")
        }
        guard abs(age) <= tolerance else {
            // Far-off times are named as such: converting them to an integer would trap.
            let shown = abs(age) < 1e12 ? "\(Int(abs(age))) s" : "years"
            throw BridgeCoreError(
                .verification,
                "\(sender): timestamp is \(shown) \(age > 0 ? "old" : "in the future") (limit \(Int(tolerance)) s)")
        }
    }

    /// A number of seconds from a setting (a number or numeric text), or `fallback` when it is not given.
    static func seconds(_ settings: [String: JSONValue], _ key: String, default fallback: Double, sender: String)
        throws(BridgeCoreError) -> Double
    {
        let value: Double?
        switch settings[key] {
        case nil, .null?: return fallback
        case .number(let n)?: value = n
        case .string(let text)?: value = Double(text.trimmed)
        default: value = nil
        }
        guard let value, value.isFinite, value > 0, value < 1e9 else {
            throw BridgeCoreError(.verification, "\(sender): setting '\(key)' must be a positive number of seconds")
        }
        return value
    }

    /// The problem with a literal seconds setting, for load-time checks.
    static func secondsProblem(_ value: JSONValue) -> String? {
        let number: Double? =
            switch value {
            case .number(let n): n
            case .string(let text): Double(text.trimmed)
            default: nil
            }
        guard let number, number.isFinite, number > 0, number < 1e9 else {
            return "must be a positive number of seconds"
        }
        return nil
    }

    /// The check of senders that put one HMAC-SHA256 in one header (Shopify, WooCommerce, Typeform, Crisp): the
    /// header `name` (shown as `shown`) holds `prefix` + the MAC in `encoding`, of `message` (default: the raw
    /// body), under any of `secrets`. `hint` ends the refusal (e.g. "is it this app's client secret?").
    static func requireHeaderMAC(
        _ request: WebhookRequest, header name: String, shown: String, encoding: Encoding, prefix: String = "",
        secrets: [String], message: Data? = nil, sender: String, hint: String
    ) throws(BridgeCoreError) {
        let header = try Self.header(name, of: request, sender: sender)
        guard header.hasPrefix(prefix), let given = encoding.decode(header.dropFirst(prefix.count)) else {
            let form = prefix.isEmpty ? encoding.rawValue : "\(prefix)<\(encoding.rawValue)>"
            throw BridgeCoreError(.verification, "\(sender): \(shown) is not \(form)")
        }
        guard anyMAC(.sha256, secrets: secrets, message: message ?? request.body, equals: [given]) else {
            throw BridgeCoreError(.verification, "\(sender): signature does not match (\(hint))")
        }
    }

    /// A header that must be present and not empty.
    static func header(_ name: String, of request: WebhookRequest, sender: String) throws(BridgeCoreError) -> String {
        guard let value = request.header(name)?.trimmed, !value.isEmpty else {
            throw BridgeCoreError(.verification, "\(sender): no \(name) header")
        }
        return value
    }
}
