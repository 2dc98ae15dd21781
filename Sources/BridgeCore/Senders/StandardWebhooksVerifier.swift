import Crypto
import Foundation

/// `standard_webhooks`: the Standard Webhooks scheme, also under Svix's `svix-*` header names.
///
/// `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`, keyed with the base64-decoded secret after `whsec_`;
/// any of the space-separated signatures may match; the timestamp must be within 5 minutes of now.
public struct StandardWebhooksVerifier: SenderVerifier {
    public init() {}
    public var name: String { "standard_webhooks" }
    public var settings: [String] { ["secret", "tolerance_seconds"] }
    public var requiredSettings: [String] { ["secret"] }
    public var defaultID: String? { #"headers["webhook-id"] ?? headers["svix-id"]"# }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        var keys: [Data] = []
        for secret in try settings.requiredTexts("secret", sender: name) {
            let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
            guard let key = Data(base64Encoded: encoded) else {
                throw BridgeCoreError(.verification, "standard_webhooks: the secret is not whsec_ followed by base64")
            }
            keys.append(key)
        }
        let tolerance = try SignatureCheck.seconds(settings, "tolerance_seconds", default: 300, sender: name)
        let id = try SignatureCheck.header(Self.named("id", in: request), of: request, sender: name)
        let timestampName = Self.named("timestamp", in: request)
        let timestampText = try SignatureCheck.header(timestampName, of: request, sender: name)
        guard let timestamp = Double(timestampText) else {
            throw BridgeCoreError(.verification, "standard_webhooks: \(timestampName) is not a UNIX time")
        }
        let signatures = try SignatureCheck.header(Self.named("signature", in: request), of: request, sender: name)
        try SignatureCheck.checkWindow(timestamp, now: context.now, tolerance: tolerance, sender: name)
        var signed = Data("\(id).\(timestampText).".utf8)
        signed.append(request.body)
        let given = signatures.split(separator: " ").compactMap { candidate -> [UInt8]? in
            let parts = candidate.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1" else { return nil }
            return SignatureCheck.Encoding.base64.decode(parts[1])
        }
        for key in keys {
            if given.contains(where: {
                ConstantTime.equals(SignatureCheck.Algorithm.sha256.mac(key: key, message: signed), $0)
            }) {
                return
            }
        }
        throw BridgeCoreError(.verification, "standard_webhooks: no v1 signature matches")
    }

    /// `webhook-<part>`, or Svix's `svix-<part>` when only that one was sent (a missing header is named by the
    /// standard's name).
    static func named(_ part: String, in request: WebhookRequest) -> String {
        request.header("webhook-\(part)") == nil && request.header("svix-\(part)") != nil
            ? "svix-\(part)" : "webhook-\(part)"
    }
}
