import Foundation

/// `woocommerce`: `X-WC-Webhook-Signature: <base64 HMAC-SHA256 of the body>`, keyed with the webhook's secret.
///
/// When a webhook is created (or first activated), WooCommerce pings its delivery URL with the form body
/// `webhook_id=N`, unsigned and without any `X-WC-Webhook-*` header, and reports anything but exactly 200 as an
/// error: that ping is a handshake, answered 200 and never delivered. WooCommerce signs no timestamp and its
/// delivery id changes on every attempt, so the default dedupe id is the topic (`order.created` and
/// `order.updated` of one state are two events), the resource's id and its `date_modified_gmt` (the same for one
/// state of one customer or order). A body without both (the `action.*` topics) is keyed by a hash of the body.
public struct WooCommerceVerifier: SenderVerifier {
    public init() {}
    public var name: String { "woocommerce" }
    public var settings: [String] { ["secret"] }
    public var requiredSettings: [String] { ["secret"] }
    public var defaultID: String? {
        #"event.id != null && event.date_modified_gmt != null ? (headers["x-wc-webhook-topic"] ?? headers["x-wc-webhook-resource"] ?? "") + ":" + string(event.id) + ":" + event.date_modified_gmt : null"#
    }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        try SignatureCheck.requireHeaderMAC(
            request, header: "x-wc-webhook-signature", shown: "X-WC-Webhook-Signature", encoding: .base64,
            secrets: try settings.requiredTexts("secret", sender: name), sender: name,
            hint: "is it this webhook's secret?")
    }

    public func handshake(_ request: WebhookRequest) -> SenderHandshake? {
        guard let webhookID = Self.pingWebhookID(request) else { return nil }
        return SenderHandshake(
            secret: nil,
            message:
                "WooCommerce pinged the delivery URL of webhook \(webhookID) (answered 200, nothing delivered): its events come next, signed with the webhook's secret",
            reply: SenderReply(status: 200, contentType: "application/json; charset=utf-8", body: #"{"ok":true}"#))
    }

    /// The webhook id of a creation ping: a `webhook_id=N` form body and no `X-WC-Webhook-*` header (a real
    /// delivery always has them); nil for anything else.
    static func pingWebhookID(_ request: WebhookRequest) -> String? {
        guard request.body.count <= 64, !request.headers.keys.contains(where: { $0.hasPrefix("x-wc-webhook-") }),
            let text = String(data: request.body, encoding: .utf8)?.trimmed
        else { return nil }
        let fields = WebhookRequest.decodeForm(text)
        guard fields.count == 1, fields[0].0 == "webhook_id", !fields[0].1.isEmpty,
            fields[0].1.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        return fields[0].1
    }
}
