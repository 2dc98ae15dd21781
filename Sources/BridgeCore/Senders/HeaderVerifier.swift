import Foundation

/// `header`: a named header must equal a shared secret (Webhooks by Zapier, Notion automations, Zoho workflows:
/// senders that sign nothing but let the operator add a header).
public struct HeaderVerifier: SenderVerifier {
    public init() {}
    public var name: String { "header" }
    public var settings: [String] { ["name", "value"] }
    public var requiredSettings: [String] { ["name", "value"] }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        let header = try settings.requiredText("name", sender: name)
        let secrets = try settings.requiredTexts("value", sender: name)
        try Self.check(request, header: header, secrets: secrets, sender: name)
    }

    public func secretNames(settings: [String: JSONValue]) -> SenderSecretNames {
        SenderSecretNames(headers: settings["name"]?.stringValue.map { [$0] } ?? [])
    }

    /// Checks that header `header` equals one of `secrets`.
    static func check(
        _ request: WebhookRequest, header: String, secrets: [String], sender: String
    ) throws(BridgeCoreError) {
        let given = try SignatureCheck.header(header, of: request, sender: sender)
        guard SignatureCheck.anySecret(given, equals: secrets) else {
            throw BridgeCoreError(.verification, "\(sender): \(header.lowercased()) does not match the secret")
        }
    }
}
