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
        try SignatureCheck.requireHeaderMAC(
            request, header: "typeform-signature", shown: "Typeform-Signature", encoding: .base64, prefix: "sha256=",
            secrets: try settings.requiredTexts("secret", sender: name), sender: name,
            hint: "is it this form's webhook secret?")
    }
}
