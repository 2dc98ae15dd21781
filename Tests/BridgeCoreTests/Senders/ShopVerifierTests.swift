import Foundation
import Testing

@testable import BridgeCore

/// Shopify and WooCommerce against the vectors of shared/payloads/README.md (copied, byte for byte, into
/// pipelines/recordings/): base64 HMAC-SHA256 of the raw body, no timestamp.
@Suite struct ShopVerifierTests {
    static let recordings = Paths.repository + "/pipelines/recordings"
    static let shopifySecret = "demo-shopify-client-secret-0000"
    static let shopifySignature = "9plPnFUJJBXi3df5rGJT1TjDd+h1PyREHoTh7pQ/U1c="
    static let wooSecret = "demo-woo-webhook-secret-0000"
    static let wooSignature = "gxnqymCppKi3/ql5RHTPDLRvbz6FBim2dOu9/jFg8pk="

    func body(_ file: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: Self.recordings + "/" + file))
    }

    let now = VerificationContext(now: Date(timeIntervalSince1970: 1_749_721_269))

    func shopifyRequest(signature: String? = Self.shopifySignature) throws -> WebhookRequest {
        var headers = [
            "X-Shopify-Topic": "customers/create", "X-Shopify-Shop-Domain": "okafor-ceramics.myshopify.com",
            "X-Shopify-API-Version": "2026-04", "X-Shopify-Event-Id": "98f2a6d1-3c4b-4e5f-8a7b-1c2d3e4f5a60",
            "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70fcd043",
        ]
        if let signature { headers["X-Shopify-Hmac-Sha256"] = signature }
        return WebhookRequest(path: "/hooks/shopify", headers: headers, body: try body("shopify/customers-create.json"))
    }

    func refusal(_ verifier: some SenderVerifier, _ request: WebhookRequest, _ settings: [String: JSONValue]) -> String
    {
        do throws(BridgeCoreError) {
            try verifier.verify(request, settings: settings, context: now)
            return "accepted"
        } catch {
            #expect(error.kind == .verification)
            return error.message
        }
    }

    @Test func shopifyAcceptsTheVectorAndRefusesWrongSecretsChangedBodiesAndMissingHeaders() throws {
        let verifier = ShopifyVerifier()
        let settings: [String: JSONValue] = ["secret": .string(Self.shopifySecret)]
        try verifier.verify(try shopifyRequest(), settings: settings, context: now)

        #expect(
            refusal(verifier, try shopifyRequest(), ["secret": "demo-shopify-client-secret-0001"]).contains(
                "does not match"))
        var changed = try shopifyRequest()
        changed.body.append(0x0A)
        #expect(refusal(verifier, changed, settings).contains("does not match"))
        #expect(
            refusal(verifier, try shopifyRequest(signature: nil), settings)
                == "shopify: no x-shopify-hmac-sha256 header")
        #expect(refusal(verifier, try shopifyRequest(signature: "not base64!"), settings).contains("not base64"))
        // the hex form of the right HMAC is not Shopify's encoding
        #expect(
            refusal(verifier, try shopifyRequest(signature: String(repeating: "ab", count: 32)), settings) != "accepted"
        )
        #expect(refusal(verifier, try shopifyRequest(), ["secret": ""]).contains("setting 'secret' is empty"))
    }

    @Test func shopifyAcceptsEitherSecretDuringARotation() throws {
        let verifier = ShopifyVerifier()
        let request = try shopifyRequest()
        for secrets: [JSONValue] in [
            [.string(Self.shopifySecret), "demo-shopify-client-secret-0001"],
            ["demo-shopify-client-secret-0001", .string(Self.shopifySecret)],
            [.string(Self.shopifySecret), .null],
        ] {
            try verifier.verify(request, settings: ["secret": .array(secrets)], context: now)
        }
        #expect(refusal(verifier, request, ["secret": ["new-secret", "older-secret"]]) != "accepted")
    }

    @Test func shopifyDefaultIDIsTheEventIDHeaderThenTheWebhookID() {
        #expect(ShopifyVerifier().defaultID == #"headers["x-shopify-event-id"] ?? headers["x-shopify-webhook-id"]"#)
        #expect(ShopifyVerifier().handshake(WebhookRequest(path: "/", body: Data("webhook_id=17".utf8))) == nil)
    }

    func wooRequest(signature: String? = Self.wooSignature, file: String = "woocommerce/customer-created.json")
        throws -> WebhookRequest
    {
        var headers = [
            "Content-Type": "application/json", "X-WC-Webhook-Source": "https://shop.example.com/",
            "X-WC-Webhook-Topic": "customer.created", "X-WC-Webhook-Resource": "customer",
            "X-WC-Webhook-Event": "created", "X-WC-Webhook-ID": "17",
            "X-WC-Webhook-Delivery-ID": "6f1c2d9a8b7e4f3a5c0d1e2f3a4b5c6d",
        ]
        if let signature { headers["X-WC-Webhook-Signature"] = signature }
        return WebhookRequest(path: "/hooks/woocommerce", headers: headers, body: try body(file))
    }

    @Test func wooCommerceAcceptsTheVectorAndRefusesWrongSecretsChangedBodiesAndMissingHeaders() throws {
        let verifier = WooCommerceVerifier()
        let settings: [String: JSONValue] = ["secret": .string(Self.wooSecret)]
        try verifier.verify(try wooRequest(), settings: settings, context: now)
        try verifier.verify(
            try wooRequest(), settings: ["secret": ["demo-woo-webhook-secret-0001", .string(Self.wooSecret)]],
            context: now)

        #expect(
            refusal(verifier, try wooRequest(), ["secret": "demo-woo-webhook-secret-0001"]).contains("does not match"))
        #expect(
            refusal(verifier, try wooRequest(file: "woocommerce/customer-created-tampered.json"), settings)
                .contains("does not match"))
        #expect(
            refusal(verifier, try wooRequest(signature: nil), settings)
                == "woocommerce: no x-wc-webhook-signature header")
        #expect(refusal(verifier, try wooRequest(signature: "%%%"), settings).contains("not base64"))
        #expect(refusal(verifier, try wooRequest(), [:]).contains("setting 'secret' is empty"))
        #expect(verifier.handshake(try wooRequest()) == nil, "a signed delivery is no ping")
    }

    @Test func wooCommercePingIsAHandshakeOnlyWithoutItsWebhookHeaders() throws {
        let verifier = WooCommerceVerifier()
        let ping = try body("woocommerce/ping.txt")
        #expect(ping == Data("webhook_id=17".utf8))
        let form = ["Content-Type": "application/x-www-form-urlencoded", "User-Agent": "WooCommerce/9.9.5 Hookshot"]
        let handshake = try #require(
            verifier.handshake(WebhookRequest(path: "/hooks/woocommerce", headers: form, body: ping)))
        #expect(handshake.reply.status == 200)
        #expect(handshake.secret == nil, "the ping hands over nothing to keep")
        #expect(handshake.message.contains("webhook 17"))
        #expect(verifier.handshake(WebhookRequest(path: "/", body: ping)) != nil, "no content type at all")

        // Any X-WC-Webhook-* header makes it a delivery, which must be signed.
        for header in ["X-WC-Webhook-Topic", "X-WC-Webhook-Signature", "x-wc-webhook-id", "X-WC-Webhook-Source"] {
            let request = WebhookRequest(
                path: "/hooks/woocommerce", headers: form.merging([header: "x"]) { $1 }, body: ping)
            #expect(verifier.handshake(request) == nil, "\(header)")
        }
        // Only the ping's exact shape.
        for other in ["webhook_id=", "webhook_id=17&x=1", "webhook_id=abc", "id=17", "{\"webhook_id\":17}", ""] {
            #expect(
                verifier.handshake(WebhookRequest(path: "/", headers: form, body: Data(other.utf8))) == nil, "\(other)")
        }
        #expect(verifier.handshake(WebhookRequest(path: "/", headers: form, body: Data("webhook_id=17\n".utf8))) != nil)
    }

    @Test func wooCommerceDefaultIDIsTheResourceStateNotTheDelivery() throws {
        let (loaded, diagnostics) = loadPipeline(
            """
            name: woo
            trigger:
              webhook:
                path: /hooks/woocommerce
                verify: { woocommerce: { secret: demo-woo-webhook-secret-0000 } }
            actions:
              - crisp.event: { email: "${{ email(event.email) }}", text: New customer }
            """)
        let pipeline = try #require(loaded, "\(diagnostics)")
        var first = try wooRequest()
        var retry = try wooRequest()
        retry.headers["x-wc-webhook-delivery-id"] = "0000ffff0000ffff0000ffff0000ffff"
        let context = TransformContext(environment: [:])
        let ids = [first, retry].map { request in
            (try? pipeline.accept(request, context: context).get())?.events.map(\.id) ?? []
        }
        #expect(ids[0] == ["customer.created:482:2025-06-12T09:41:07"])
        #expect(ids[1] == ids[0], "a new delivery id of the same state is a duplicate")
        // Another topic of the same state is another event; a body without id and date (action.*) is hashed.
        var updated = try wooRequest()
        updated.headers["x-wc-webhook-topic"] = "customer.updated"
        #expect(
            (try? pipeline.accept(updated, context: context).get())?.events.map(\.id)
                == ["customer.updated:482:2025-06-12T09:41:07"])
        let action = WebhookRequest(
            path: "/hooks/woocommerce",
            headers: ["Content-Type": "application/json", "X-WC-Webhook-Topic": "action.woocommerce_add_to_cart"],
            body: Data(#"{"action":"woocommerce_add_to_cart","arg":"x"}"#.utf8))
        let other = WebhookRequest(
            path: "/hooks/woocommerce",
            headers: ["Content-Type": "application/json", "X-WC-Webhook-Topic": "action.woocommerce_add_to_cart"],
            body: Data(#"{"action":"woocommerce_add_to_cart","arg":"y"}"#.utf8))
        let unverified = TransformContext(environment: [:], verifySignatures: false)
        let actionIDs = [action, other].map { (try? pipeline.accept($0, context: unverified).get())?.events.first?.id }
        #expect(actionIDs[0]?.hasPrefix("sha256:") == true)
        #expect(actionIDs[0] != actionIDs[1])
        first.headers["x-wc-webhook-signature"] = "forged"
        #expect((try? pipeline.accept(first, context: context).get()) == nil)
    }
}
