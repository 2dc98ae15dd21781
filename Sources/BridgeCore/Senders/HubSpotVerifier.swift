import Crypto
import Foundation

/// `hubspot`: HubSpot's request signatures, v3 when present, else v2 or v1 as `X-HubSpot-Signature-Version` says.
///
/// v3 signs `method + URI + body + timestamp` (HMAC-SHA256, base64) and must be under 5 minutes old. The URI is
/// the public URL HubSpot called: the `public_url` setting, else the server's public base URL plus the path.
public struct HubSpotVerifier: SenderVerifier {
    public init() {}
    public var name: String { "hubspot" }
    public var settings: [String] { ["client_secret", "public_url", "max_age_seconds"] }
    public var requiredSettings: [String] { ["client_secret"] }
    public var defaultID: String? { "event.eventId" }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        let secrets = try settings.requiredTexts("client_secret", sender: name)
        if let v3 = request.header("x-hubspot-signature-v3"), !v3.trimmed.isEmpty {
            try verifyV3(request, signature: v3.trimmed, secrets: secrets, settings: settings, context: context)
            return
        }
        guard let signature = request.header("x-hubspot-signature")?.trimmed, !signature.isEmpty else {
            throw BridgeCoreError(.verification, "hubspot: no X-HubSpot-Signature-v3 or X-HubSpot-Signature header")
        }
        var signed = Data()
        switch request.header("x-hubspot-signature-version")?.lowercased() {
        case "v1", nil:
            break
        case "v2":
            signed.append(Data((request.method + (try uri(request, settings, context))).utf8))
        case let other?:
            throw BridgeCoreError(.verification, "hubspot: unknown signature version '\(other)'")
        }
        signed.append(request.body)
        let given = Data(signature.lowercased().utf8)
        var matched = false
        for secret in secrets {
            var source = Data(secret.utf8)
            source.append(signed)
            if ConstantTime.equals(Data(SHA256.hash(data: source).hexString.utf8), given) { matched = true }
        }
        guard matched else { throw BridgeCoreError(.verification, "hubspot: signature does not match") }
    }

    private func verifyV3(
        _ request: WebhookRequest, signature: String, secrets: [String], settings: [String: JSONValue],
        context: VerificationContext
    ) throws(BridgeCoreError) {
        guard let timestampText = request.header("x-hubspot-request-timestamp"), let ms = Double(timestampText) else {
            throw BridgeCoreError(.verification, "hubspot: no valid X-HubSpot-Request-Timestamp header")
        }
        try SignatureCheck.checkWindow(
            ms / 1000, now: context.now,
            tolerance: try SignatureCheck.seconds(settings, "max_age_seconds", default: 300, sender: name), sender: name
        )
        var source = Data((request.method + (try uri(request, settings, context))).utf8)
        source.append(request.body)
        source.append(Data(timestampText.utf8))
        guard let given = SignatureCheck.Encoding.base64.decode(signature),
            SignatureCheck.anyMAC(.sha256, secrets: secrets, message: source, equals: [given])
        else {
            throw BridgeCoreError(.verification, "hubspot: v3 signature does not match (is the public URL right?)")
        }
    }

    /// The URI HubSpot signed, with the escapes HubSpot decodes before signing turned back into characters.
    private func uri(_ request: WebhookRequest, _ settings: [String: JSONValue], _ context: VerificationContext)
        throws(BridgeCoreError) -> String
    {
        var uri: String
        if case .string(let url)? = settings["public_url"], !url.isEmpty {
            uri = url
        } else if let base = context.publicURL {
            uri = base.hasSuffix("/") ? String(base.dropLast()) + request.path : base + request.path
        } else {
            throw BridgeCoreError(
                .verification,
                "hubspot: the signature covers the public URL; set public_url in verify.hubspot or start with --public-url"
            )
        }
        if !request.query.isEmpty, !uri.utf8.contains(UInt8(ascii: "?")) { uri += "?" + request.query }
        guard uri.utf8.contains(UInt8(ascii: "%")) else { return uri }
        for (escape, character) in Self.decodedEscapes {
            uri = uri.replacingOccurrences(of: escape, with: character)
            uri = uri.replacingOccurrences(of: escape.lowercased(), with: character)
        }
        return uri
    }

    private static let decodedEscapes = [
        ("%3A", ":"), ("%2F", "/"), ("%3F", "?"), ("%40", "@"), ("%21", "!"), ("%24", "$"), ("%27", "'"),
        ("%28", "("), ("%29", ")"), ("%2A", "*"), ("%2C", ","), ("%3B", ";"),
    ]
}
