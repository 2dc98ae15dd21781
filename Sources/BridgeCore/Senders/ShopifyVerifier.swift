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
        try SignatureCheck.requireHeaderMAC(
            request, header: "x-shopify-hmac-sha256", shown: "X-Shopify-Hmac-Sha256", encoding: .base64,
            secrets: try settings.requiredTexts("secret", sender: name), sender: name,
            hint: "is it this app's client secret?")
    }
}
