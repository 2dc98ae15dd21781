import Foundation

/// `shopify`: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the body>`, keyed with the app's client secret.
///
/// Shopify signs no timestamp: the dedupe id (`X-Shopify-Event-Id`, the same on Shopify's retries) is the replay
/// defence. After a secret rotation Shopify may sign with the old secret for up to an hour: give both (a list).
/// The topic, shop domain and API version are headers (`headers["x-shopify-topic"]`, `x-shopify-shop-domain`,
/// `x-shopify-api-version`); the body is the REST resource as the subscription's API version shapes it.
public struct ShopifyVerifier: SenderVerifier {
    public init() {}
    public var name: String { "shopify" }
    public var settings: [String] { ["secret"] }
    public var requiredSettings: [String] { ["secret"] }
    public var defaultID: String? { #"headers["x-shopify-event-id"] ?? headers["x-shopify-webhook-id"]"# }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        let secrets = try settings.requiredTexts("secret", sender: name)
        let header = try SignatureCheck.header("x-shopify-hmac-sha256", of: request, sender: name)
        guard let given = SignatureCheck.Encoding.base64.decode(header) else {
            throw BridgeCoreError(.verification, "shopify: X-Shopify-Hmac-Sha256 is not base64")
        }
        guard SignatureCheck.anyMAC(.sha256, secrets: secrets, message: request.body, equals: [given]) else {
            throw BridgeCoreError(
                .verification, "shopify: signature does not match (is it this app's client secret?)")
        }
    }
}
