import Foundation

/// `hmac`: a generic HMAC signature, for senders without a verifier of their own.
///
/// Settings: `secret`, `header` (where the signature is), `algorithm` (`sha256`, `sha1`, `sha512`), `encoding`
/// (`hex`, `base64`), `prefix` (e.g. `sha256=`), and what is signed: `signed`, a text with the placeholders
/// `{body}`, `{timestamp}`, `{id}`, `{method}`, `{url}` (default `{body}`). With `timestamp_header` the
/// timestamp (UNIX seconds or milliseconds) must be within `tolerance_seconds` (300) of now; `id_header` names
/// the delivery id that `{id}` signs (for the dedupe id, write `id: headers["x-…"]`); `{url}` is `public_url`,
/// else the server's public base URL and the path.
public struct HMACVerifier: SenderVerifier {
    public init() {}
    public var name: String { "hmac" }
    public var settings: [String] {
        [
            "secret", "header", "algorithm", "encoding", "prefix", "signed", "timestamp_header", "id_header",
            "tolerance_seconds", "public_url",
        ]
    }
    public var requiredSettings: [String] { ["secret", "header"] }
    static let placeholders = ["body", "timestamp", "id", "method", "url"]

    public func settingProblem(_ key: String, _ value: JSONValue) -> String? {
        guard let text = value.stringValue else { return nil }
        switch key {
        case "algorithm" where SignatureCheck.Algorithm(rawValue: text.lowercased()) == nil:
            return "unknown algorithm '\(text)' (use sha256, sha1 or sha512)"
        case "encoding" where SignatureCheck.Encoding(rawValue: text.lowercased()) == nil:
            return "unknown encoding '\(text)' (use hex or base64)"
        case "signed":
            for part in Self.parts(of: text) {
                if case .placeholder(let name) = part, !Self.placeholders.contains(name) {
                    return "unknown placeholder {\(name)} (use {body}, {timestamp}, {id}, {method}, {url})"
                }
            }
            return nil
        default:
            return nil
        }
    }

    public func settingsProblem(literal: [String: JSONValue], given: Set<String>) -> String? {
        let signed = literal["signed"]?.stringValue ?? "{body}"
        if signed.contains("{timestamp}"), !given.contains("timestamp_header") {
            return "signed has {timestamp}: give timestamp_header, the header it comes from"
        }
        if signed.contains("{id}"), !given.contains("id_header") {
            return "signed has {id}: give id_header, the header it comes from"
        }
        // A timestamp that is checked but not signed protects nothing: a replay with a fresh one passes. (When
        // `signed` is computed, its text is not known here.)
        if given.contains("timestamp_header"), literal["signed"] != nil || !given.contains("signed"),
            !signed.contains("{timestamp}")
        {
            return
                "timestamp_header is given but signed has no {timestamp}: the timestamp would be checked but not signed, so a replay with a fresh one would pass; add {timestamp} to signed as the sender signs it (e.g. \"{timestamp}.{body}\")"
        }
        return nil
    }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        let secrets = try settings.requiredTexts("secret", sender: name)
        let headerName = try settings.requiredText("header", sender: name)
        let algorithmName = settings["algorithm"]?.stringValue?.lowercased() ?? "sha256"
        guard let algorithm = SignatureCheck.Algorithm(rawValue: algorithmName) else {
            throw BridgeCoreError(.verification, "hmac: unknown algorithm '\(algorithmName)'")
        }
        let encodingName = settings["encoding"]?.stringValue?.lowercased() ?? "hex"
        guard let encoding = SignatureCheck.Encoding(rawValue: encodingName) else {
            throw BridgeCoreError(.verification, "hmac: unknown encoding '\(encodingName)'")
        }
        var signature = try SignatureCheck.header(headerName, of: request, sender: name)
        if let prefix = settings["prefix"]?.stringValue, !prefix.isEmpty {
            guard signature.lowercased().hasPrefix(prefix.lowercased()) else {
                throw BridgeCoreError(.verification, "hmac: \(headerName.lowercased()) does not start with \(prefix)")
            }
            signature = String(signature.dropFirst(prefix.count))
        }
        guard let given = encoding.decode(encoding == .hex ? signature.lowercased() : signature) else {
            throw BridgeCoreError(.verification, "hmac: \(headerName.lowercased()) is not \(encodingName)")
        }

        let signedTemplate = settings["signed"]?.stringValue ?? "{body}"
        var timestamp: String?
        if let header = settings["timestamp_header"]?.stringValue, !header.isEmpty {
            let text = try SignatureCheck.header(header, of: request, sender: name)
            guard let value = Double(text) else {
                throw BridgeCoreError(.verification, "hmac: \(header.lowercased()) is not a UNIX time")
            }
            // Milliseconds are told apart from seconds by size (seconds pass 10^11 in the year 5138).
            try SignatureCheck.checkWindow(
                value > 1e11 ? value / 1000 : value, now: context.now,
                tolerance: try SignatureCheck.seconds(settings, "tolerance_seconds", default: 300, sender: name),
                sender: name)
            timestamp = text
        }
        var id: String?
        if let header = settings["id_header"]?.stringValue, !header.isEmpty, signedTemplate.contains("{id}") {
            id = try SignatureCheck.header(header, of: request, sender: name)
        }

        var signed = Data()
        for part in Self.parts(of: signedTemplate) {
            switch part {
            case .text(let text): signed.append(Data(text.utf8))
            case .placeholder("body"): signed.append(request.body)
            case .placeholder("method"): signed.append(Data(request.method.utf8))
            case .placeholder("url"): signed.append(Data(try url(request, settings, context).utf8))
            case .placeholder("timestamp"):
                guard let timestamp else {
                    throw BridgeCoreError(.verification, "hmac: {timestamp} is signed but timestamp_header is not set")
                }
                signed.append(Data(timestamp.utf8))
            case .placeholder("id"):
                guard let id else {
                    throw BridgeCoreError(.verification, "hmac: {id} is signed but id_header is not set")
                }
                signed.append(Data(id.utf8))
            case .placeholder(let other):
                throw BridgeCoreError(.verification, "hmac: unknown placeholder {\(other)} in signed")
            }
        }
        guard SignatureCheck.anyMAC(algorithm, secrets: secrets, message: signed, equals: [given]) else {
            throw BridgeCoreError(.verification, "hmac: signature does not match")
        }
    }

    private func url(_ request: WebhookRequest, _ settings: [String: JSONValue], _ context: VerificationContext)
        throws(BridgeCoreError) -> String
    {
        if let url = settings["public_url"]?.stringValue, !url.isEmpty { return url }
        guard let base = context.publicURL else {
            throw BridgeCoreError(
                .verification, "hmac: {url} is signed; set public_url in verify.hmac or start with --public-url")
        }
        let url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + request.path
        return request.query.isEmpty ? url : url + "?" + request.query
    }

    enum Part: Equatable {
        case text(String)
        case placeholder(String)
    }

    /// Splits `{timestamp}.{body}` into literal text and placeholders.
    static func parts(of template: String) -> [Part] {
        var parts: [Part] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            if open > rest.startIndex { parts.append(.text(String(rest[..<open]))) }
            parts.append(.placeholder(String(rest[rest.index(after: open)..<close])))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return parts
    }
}
