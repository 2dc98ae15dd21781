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
        let secret = try settings.requiredText("secret", sender: name)
        let tolerance = settings["tolerance_seconds"]?.numberValue ?? 300
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let key = Data(base64Encoded: encoded) else {
            throw BridgeCoreError(.verification, "standard_webhooks: the secret is not whsec_ followed by base64")
        }
        guard let id = request.header("webhook-id") ?? request.header("svix-id") else {
            throw BridgeCoreError(.verification, "standard_webhooks: no webhook-id header")
        }
        guard let timestampText = request.header("webhook-timestamp") ?? request.header("svix-timestamp"),
            let timestamp = Double(timestampText.trimmed)
        else {
            throw BridgeCoreError(.verification, "standard_webhooks: no valid webhook-timestamp header")
        }
        guard let signatures = request.header("webhook-signature") ?? request.header("svix-signature") else {
            throw BridgeCoreError(.verification, "standard_webhooks: no webhook-signature header")
        }
        let age = context.now.timeIntervalSince1970 - timestamp
        guard abs(age) <= tolerance else {
            throw BridgeCoreError(
                .verification,
                "standard_webhooks: timestamp is \(Int(abs(age))) s \(age > 0 ? "old" : "in the future") (limit \(Int(tolerance)) s)"
            )
        }
        var signed = Data("\(id).\(timestampText).".utf8)
        signed.append(request.body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))
        for candidate in signatures.split(separator: " ") {
            let parts = candidate.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let given = Data(base64Encoded: String(parts[1])) else {
                continue
            }
            if ConstantTime.equals(Array(mac), given) { return }
        }
        throw BridgeCoreError(.verification, "standard_webhooks: no v1 signature matches")
    }
}
