import Foundation

/// `typeform`: `Typeform-Signature: sha256=<base64 HMAC-SHA256 of the body>`, keyed with the webhook's secret.
/// Typeform signs no timestamp: the dedupe id (`event_id`) is the replay defence.
public struct TypeformVerifier: SenderVerifier {
    public init() {}
    public var name: String { "typeform" }
    public var settings: [String] { ["secret"] }
    public var requiredSettings: [String] { ["secret"] }
    public var defaultID: String? { "event.event_id" }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        let secrets = try settings.requiredTexts("secret", sender: name)
        let header = try SignatureCheck.header("typeform-signature", of: request, sender: name)
        guard header.hasPrefix("sha256="), let given = SignatureCheck.Encoding.base64.decode(header.dropFirst(7)) else {
            throw BridgeCoreError(.verification, "typeform: Typeform-Signature is not sha256=<base64>")
        }
        guard SignatureCheck.anyMAC(.sha256, secrets: secrets, message: request.body, equals: [given]) else {
            throw BridgeCoreError(.verification, "typeform: signature does not match")
        }
    }
}
