import BridgeCore
import BridgeStore
import Crypto
import Foundation
import Testing

/// Shopify and WooCommerce through `serve --sandbox` (in process), with the ready pipelines of `pipelines/`:
/// WooCommerce's creation ping answered exactly 200 with nothing stored, then a signed customer; a Shopify event
/// delivered twice under one event id stored and delivered once.
extension ProcessTests {
    @Suite struct ShopSenderServeTests {
        static let repository =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path

        static func file(_ path: String) throws -> Data {
            try Data(contentsOf: URL(fileURLWithPath: repository + "/" + path))
        }

        static func pipeline(_ name: String) throws -> String {
            String(decoding: try file("pipelines/\(name).yaml"), as: UTF8.self)
        }

        static func sign(_ body: Data, _ secret: String) -> String {
            Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))))
                .base64EncodedString()
        }

        @Test func aWooCommercePingIsAnsweredExactly200ThenASignedCustomerGivesOneProfile() async throws {
            let secret = "woo-secret-\(UInt32.random(in: 0...UInt32.max))"
            let h = try await InProcessBridge.start(
                pipelines: ["woocommerce-customer-created": try Self.pipeline("woocommerce-customer-created")],
                environment: ["WOOCOMMERCE_WEBHOOK_SECRET": secret])
            let ping = try await h.send(
                "/hooks/woocommerce", body: Data("webhook_id=17".utf8),
                headers: [
                    "Content-Type": "application/x-www-form-urlencoded",
                    "User-Agent": "WooCommerce/9.9.5 Hookshot (WordPress/6.8.1)",
                ])
            #expect(ping.status == 200, "WooCommerce reports anything but 200 as an error: \(ping.body)")
            #expect(try await h.store.events(status: nil, since: nil, limit: 10).isEmpty, "a ping stores nothing")

            // The same body with WooCommerce's delivery headers is an event, and unsigned it is refused.
            let unsigned = try await h.send(
                "/hooks/woocommerce", body: Data("webhook_id=17".utf8),
                headers: [
                    "Content-Type": "application/x-www-form-urlencoded", "X-WC-Webhook-Topic": "customer.created",
                ])
            #expect(unsigned.status == 401)

            let body = try Self.file("pipelines/recordings/woocommerce/customer-created.json")
            let headers = [
                "Content-Type": "application/json", "User-Agent": "WooCommerce/9.9.5 Hookshot (WordPress/6.8.1)",
                "X-WC-Webhook-Source": "https://shop.example.com/", "X-WC-Webhook-Topic": "customer.created",
                "X-WC-Webhook-Resource": "customer", "X-WC-Webhook-Event": "created", "X-WC-Webhook-ID": "17",
                "X-WC-Webhook-Delivery-ID": "6f1c2d9a8b7e4f3a5c0d1e2f3a4b5c6d",
                "X-WC-Webhook-Signature": Self.sign(body, secret),
            ]
            #expect(
                try await h.send(
                    "/hooks/woocommerce", body: body,
                    headers: headers.merging(["X-WC-Webhook-Signature": Self.sign(body, "other")]) { $1 }
                ).status == 401)
            let accepted = try await h.send("/hooks/woocommerce", body: body, headers: headers)
            #expect(accepted.status == 202, "\(accepted.body)")
            let delivered = try await h.eventually {
                try await h.sandboxPeople()["jonas.lindqvist@example.com"]?.events == 1
            }
            #expect(delivered)
            // WooCommerce sends the same state again under a new delivery id: a duplicate.
            let again = try await h.send(
                "/hooks/woocommerce", body: body,
                headers: headers.merging(["X-WC-Webhook-Delivery-ID": "0a0b0c0d0e0f0a0b0c0d0e0f0a0b0c0d"]) { $1 })
            #expect(again.status == 200, "\(again.body)")
            #expect(try await h.idle())
            let people = try await h.sandboxPeople()
            #expect(people.count == 1)
            #expect(people["jonas.lindqvist@example.com"]?.data["woocommerce_customer_id"] == "482")
            #expect(try await h.store.events(status: nil, since: nil, limit: 10).count == 1)
            await h.stop()
        }

        @Test func aShopifyEventDeliveredTwiceWithOneEventIDGivesOneProfileAndOneCrispEvent() async throws {
            let secret = "shopify-secret-\(UInt32.random(in: 0...UInt32.max))"
            let h = try await InProcessBridge.start(
                pipelines: ["shopify-customer-created": try Self.pipeline("shopify-customer-created")],
                environment: ["SHOPIFY_CLIENT_SECRET": secret])
            let body = try Self.file("pipelines/recordings/shopify/customers-create.json")
            let headers = [
                "Content-Type": "application/json", "X-Shopify-Topic": "customers/create",
                "X-Shopify-Hmac-Sha256": Self.sign(body, secret),
                "X-Shopify-Shop-Domain": "okafor-ceramics.myshopify.com", "X-Shopify-API-Version": "2026-04",
                "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70fcd043",
                "X-Shopify-Event-Id": "98f2a6d1-3c4b-4e5f-8a7b-1c2d3e4f5a60",
                "X-Shopify-Triggered-At": "2025-06-12T09:41:08.512Z",
            ]
            let first = try await h.send("/hooks/shopify", body: body, headers: headers)
            #expect(first.status == 202, "\(first.body)")
            #expect(first.body.contains("98f2a6d1-3c4b-4e5f-8a7b-1c2d3e4f5a60"), "the event id is the dedupe id")
            let delivered = try await h.eventually {
                try await h.sandboxPeople()["maya.okafor@example.com"]?.events == 1
            }
            #expect(delivered)
            // Shopify's retry (the answer was lost, say): same event id, a new webhook id.
            let retry = try await h.send(
                "/hooks/shopify", body: body,
                headers: headers.merging(["X-Shopify-Webhook-Id": "0f0e0d0c-0b0a-4909-8807-060504030201"]) { $1 })
            #expect(retry.status == 200, "\(retry.body)")
            #expect(retry.body.contains(#""duplicates":1"#), "\(retry.body)")
            #expect(try await h.idle())
            let people = try await h.sandboxPeople()
            #expect(people.count == 1)
            #expect(people["maya.okafor@example.com"]?.events == 1)
            #expect(people["maya.okafor@example.com"]?.data["shopify_shop"] == "okafor-ceramics.myshopify.com")
            #expect(try await h.store.events(status: nil, since: nil, limit: 10).count == 1)
            // A forged signature is refused and stores nothing.
            let forged = try await h.send(
                "/hooks/shopify", body: body,
                headers: headers.merging(["X-Shopify-Hmac-Sha256": Self.sign(body, "other")]) { $1 })
            #expect(forged.status == 401)
            #expect(try await h.store.events(status: nil, since: nil, limit: 10).count == 1)
            await h.stop()
        }
    }
}
