import Foundation
import Testing

@testable import BridgeCore

/// Every verifier against its documented test vector, then the refusals every one must make: a wrong secret, a
/// body changed by one byte (where the body is signed), a stale timestamp (where one is signed), a missing and an
/// empty credential header; and secret rotation (a list of secrets, any one may match).
@Suite struct SenderMatrixTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let verifier: any SenderVerifier
        let settings: [String: JSONValue]
        /// The setting that holds the secret, for the wrong-secret and rotation checks.
        let secretKey: String
        let request: WebhookRequest
        /// A time at which the request is fresh, and (for senders that sign a timestamp) one at which it is stale.
        let now: Double
        let stale: Double?
        let signsBody: Bool
        /// Headers carrying the credential: a request without one, or with it empty, is refused.
        let credentialHeaders: [String]
        var testDescription: String { name }
        /// Another valid secret, that does not match.
        var otherSecret: JSONValue {
            verifier is StandardWebhooksVerifier ? "whsec_d3Jvbmcta2V5LXdyb25nLWtleQ==" : "wrong-secret-value"
        }
    }

    static let payloads = Paths.repository + "/Tests/BridgeCoreTests/Fixtures/payloads/"
    static func payload(_ name: String) -> Data {
        FileManager.default.contents(atPath: payloads + name) ?? Data()
    }
    static let recordings = Paths.repository + "/pipelines/recordings/"
    static let json = ["content-type": "application/json"]

    static let cases: [Case] = [
        Case(
            name: "hubspot v3", verifier: HubSpotVerifier(),
            settings: [
                "client_secret": "demo-client-secret-0000", "public_url": "https://bridge.example.com/hooks/hubspot",
            ],
            secretKey: "client_secret",
            request: WebhookRequest(
                path: "/hooks/hubspot",
                headers: [
                    "x-hubspot-signature-v3": "zVEgzI6FqKKZZY3LmBqTxYXSKZBqHKP8ZI9EB18uXc8=",
                    "x-hubspot-request-timestamp": "1749721268600",
                ], body: FileManager.default.contents(atPath: recordings + "hubspot/contact-creation.json") ?? Data()),
            now: 1_749_721_270, stale: 1_749_721_268 + 301, signsBody: true,
            credentialHeaders: ["x-hubspot-signature-v3", "x-hubspot-request-timestamp"]),
        Case(
            name: "standard_webhooks", verifier: StandardWebhooksVerifier(),
            settings: ["secret": "whsec_Y3Jpc3AtYnJpZGdlLWRlbW8ta2V5LTMyLWJ5dGVzISE="], secretKey: "secret",
            request: WebhookRequest(
                path: "/h",
                headers: [
                    "webhook-id": "msg_2yJ4kQ9dV1eXampleId0001", "webhook-timestamp": "1749721268",
                    "webhook-signature": "v1,jBNZPPhgFSzOET197b6fwBHpDrrFVNPX7viypH6isZA=",
                ],
                body: FileManager.default.contents(
                    atPath: Paths.repository + "/Tests/BridgeCoreTests/Fixtures/standard-webhooks-contact.created.json")
                    ?? Data()),
            now: 1_749_721_270, stale: 1_749_721_268 + 301, signsBody: true,
            credentialHeaders: ["webhook-id", "webhook-timestamp", "webhook-signature"]),
        Case(
            name: "stripe", verifier: StripeVerifier(),
            settings: ["secret": "whsec_demoStripeEndpointSecret000000000000"], secretKey: "secret",
            request: WebhookRequest(
                path: "/hooks/stripe",
                headers: [
                    "stripe-signature":
                        "t=1749721268,v1=27abe07fd699c9734a0a6b1cf3f05ec876bd3dda6a65b52f58e662ac3625002f"
                ], body: payload("stripe-customer.created.json")),
            now: 1_749_721_270, stale: 1_749_721_268 + 301, signsBody: true, credentialHeaders: ["stripe-signature"]),
        Case(
            name: "typeform", verifier: TypeformVerifier(), settings: ["secret": "demo-typeform-secret"],
            secretKey: "secret",
            request: WebhookRequest(
                path: "/hooks/typeform",
                headers: ["typeform-signature": "sha256=aTgxFGSPC9u85vtfTgARbwSY/G8IdnvC6wbvj1ECBhk="],
                body: payload("typeform-form_response.json")),
            now: 0, stale: nil, signsBody: true, credentialHeaders: ["typeform-signature"]),
        Case(
            name: "shopify", verifier: ShopifyVerifier(), settings: ["secret": "demo-shopify-client-secret-0000"],
            secretKey: "secret",
            request: WebhookRequest(
                path: "/hooks/shopify",
                headers: ["x-shopify-hmac-sha256": "9plPnFUJJBXi3df5rGJT1TjDd+h1PyREHoTh7pQ/U1c="],
                body: FileManager.default.contents(atPath: recordings + "shopify/customers-create.json") ?? Data()),
            now: 0, stale: nil, signsBody: true, credentialHeaders: ["x-shopify-hmac-sha256"]),
        Case(
            name: "woocommerce", verifier: WooCommerceVerifier(), settings: ["secret": "demo-woo-webhook-secret-0000"],
            secretKey: "secret",
            request: WebhookRequest(
                path: "/hooks/woocommerce",
                headers: ["x-wc-webhook-signature": "gxnqymCppKi3/ql5RHTPDLRvbz6FBim2dOu9/jFg8pk="],
                body: FileManager.default.contents(atPath: recordings + "woocommerce/customer-created.json") ?? Data()),
            now: 0, stale: nil, signsBody: true, credentialHeaders: ["x-wc-webhook-signature"]),
        Case(
            name: "crisp", verifier: CrispVerifier(), settings: ["secret": "demo-crisp-plugin-signing-secret-0000"],
            secretKey: "secret",
            request: WebhookRequest(
                path: "/hooks/crisp",
                headers: [
                    "x-crisp-request-timestamp": "1749721268431",
                    "x-crisp-signature": "d0ccdf5cc7fbf0bff9c532e0b93549397d50d12d5ebcca494fd5b21449df8cf1",
                ],
                body: FileManager.default.contents(atPath: recordings + "crisp/session-set-email.json") ?? Data()),
            now: 0, stale: nil, signsBody: true,
            credentialHeaders: ["x-crisp-signature", "x-crisp-request-timestamp"]),
        Case(
            name: "notion", verifier: NotionVerifier(),
            settings: ["verification_token": "secret_demoNotionVerificationToken0000000000"],
            secretKey: "verification_token",
            request: WebhookRequest(
                path: "/hooks/notion",
                headers: [
                    "x-notion-signature": "sha256=e67f20fd4a8127401954f354455b0afdfc67401fe803262744e0de2b2af870b7"
                ], body: payload("notion-page.created.integration-webhook.json")),
            now: 0, stale: nil, signsBody: true, credentialHeaders: ["x-notion-signature"]),
        Case(
            name: "hmac (GitHub's documented vector)", verifier: HMACVerifier(),
            settings: [
                "secret": "It's a Secret to Everybody", "header": "X-Hub-Signature-256", "prefix": "sha256=",
            ], secretKey: "secret",
            request: WebhookRequest(
                path: "/h",
                headers: [
                    "x-hub-signature-256": "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
                ], body: Data("Hello, World!".utf8)),
            now: 0, stale: nil, signsBody: true, credentialHeaders: ["x-hub-signature-256"]),
        Case(
            name: "hmac with a signed timestamp, base64", verifier: HMACVerifier(),
            settings: [
                "secret": "slack-like-secret", "header": "x-signature", "encoding": "base64",
                "signed": "v0:{timestamp}:{body}", "timestamp_header": "x-timestamp",
            ], secretKey: "secret",
            request: WebhookRequest(
                path: "/h",
                headers: ["x-signature": "NO+SNzfTqChqEE/DReKcbUy+PUee4+9B9tWYABQ9Png=", "x-timestamp": "1749721268"],
                body: Data(#"{"email":"ada@example.com"}"#.utf8)),
            now: 1_749_721_270, stale: 1_749_721_268 + 301, signsBody: true,
            credentialHeaders: ["x-signature", "x-timestamp"]),
        Case(
            name: "hmac sha1 over id and body", verifier: HMACVerifier(),
            settings: [
                "secret": "sha1-secret", "header": "x-sig", "algorithm": "sha1", "signed": "{id}.{body}",
                "id_header": "x-delivery",
            ], secretKey: "secret",
            request: WebhookRequest(
                path: "/h", headers: ["x-sig": "667e092e7d75e08b9ee3e9cb6e27a29e776d013f", "x-delivery": "msg-1"],
                body: Data(#"{"email":"ada@example.com"}"#.utf8)),
            now: 0, stale: nil, signsBody: true, credentialHeaders: ["x-sig", "x-delivery"]),
        Case(
            name: "hmac sha512 over method, URL and body", verifier: HMACVerifier(),
            settings: [
                "secret": "sha512-secret", "header": "x-sig", "algorithm": "sha512", "signed": "{method}{url}{body}",
                "public_url": "https://bridge.example.com/hooks/x",
            ], secretKey: "secret",
            request: WebhookRequest(
                path: "/hooks/x",
                headers: [
                    "x-sig":
                        "33b4eb881acfcb3df5b9c30a0ba5db62fd910682b9c169006948bd66f6d291d0aad7c610d4876ec3e25e34376fe790ec37e66052abe666163209bc57fd8b234e"
                ], body: Data(#"{"email":"ada@example.com"}"#.utf8)),
            now: 0, stale: nil, signsBody: true, credentialHeaders: ["x-sig"]),
        Case(
            name: "basic", verifier: BasicAuthVerifier(),
            settings: ["username": "crisp-bridge", "password": "demo-basic-password"], secretKey: "password",
            request: WebhookRequest(
                path: "/h", headers: ["authorization": "Basic Y3Jpc3AtYnJpZGdlOmRlbW8tYmFzaWMtcGFzc3dvcmQ="],
                body: Data("{}".utf8)),
            now: 0, stale: nil, signsBody: false, credentialHeaders: ["authorization"]),
        Case(
            name: "header", verifier: HeaderVerifier(), settings: ["name": "X-Bridge-Key", "value": "zap-secret"],
            secretKey: "value",
            request: WebhookRequest(path: "/h", headers: ["x-bridge-key": "zap-secret"], body: Data("{}".utf8)),
            now: 0, stale: nil, signsBody: false, credentialHeaders: ["x-bridge-key"]),
        Case(
            name: "dynamics with a header", verifier: DynamicsVerifier(),
            settings: ["header": "x-bridge-key", "value": "dyn-secret"], secretKey: "value",
            request: WebhookRequest(
                path: "/h", headers: ["x-bridge-key": "dyn-secret"], body: payload("dynamics365-contact.create.json")),
            now: 0, stale: nil, signsBody: false, credentialHeaders: ["x-bridge-key"]),
        Case(
            name: "salesforce with Basic credentials", verifier: SalesforceVerifier(),
            settings: [
                "organization_id": "00D5g000004XyZaEAK", "username": "crisp-bridge", "password": "demo-basic-password",
            ], secretKey: "password",
            request: WebhookRequest(
                path: "/h",
                headers: [
                    "authorization": "Basic Y3Jpc3AtYnJpZGdlOmRlbW8tYmFzaWMtcGFzc3dvcmQ=",
                    "content-type": "text/xml; charset=utf-8",
                ], body: payload("salesforce-lead.outbound-message.xml")),
            now: 0, stale: nil, signsBody: false, credentialHeaders: ["authorization"]),
    ]

    func check(_ c: Case, _ request: WebhookRequest, settings: [String: JSONValue]? = nil, at: Double? = nil)
        throws(BridgeCoreError)
    {
        try c.verifier.verify(
            request, settings: settings ?? c.settings,
            context: VerificationContext(now: Date(timeIntervalSince1970: at ?? c.now)))
    }

    func refused(_ c: Case, _ request: WebhookRequest, settings: [String: JSONValue]? = nil, at: Double? = nil)
        -> String?
    {
        do {
            try check(c, request, settings: settings, at: at)
            return nil
        } catch {
            return error.message
        }
    }

    @Test(arguments: cases) func acceptsItsTestVector(_ c: Case) throws {
        try check(c, c.request)
    }

    @Test(arguments: cases) func refusesAWrongSecretWithoutSayingIt(_ c: Case) throws {
        var wrong = c.settings
        wrong[c.secretKey] = c.otherSecret
        let reason = try #require(refused(c, c.request, settings: wrong))
        let secret = try #require(c.settings[c.secretKey]?.stringValue)
        #expect(!reason.contains(secret), "\(reason)")
        #expect(!reason.contains("wrong-secret-value"), "\(reason)")
    }

    @Test(arguments: cases.filter(\.signsBody)) func refusesABodyChangedByOneByte(_ c: Case) throws {
        var changed = c.request
        changed.body[changed.body.count / 2] ^= 0x01
        #expect(refused(c, changed) != nil)
        var longer = c.request
        longer.body.append(0x20)
        #expect(refused(c, longer) != nil)
    }

    @Test(arguments: cases.filter { $0.stale != nil }) func refusesAStaleTimestamp(_ c: Case) throws {
        let reason = try #require(refused(c, c.request, at: c.stale))
        #expect(reason.contains("old"), "\(reason)")
        #expect(refused(c, c.request, at: (c.stale ?? 0) - 2 * 301 - 600) != nil, "too far in the future")
    }

    @Test(arguments: cases) func refusesAMissingOrEmptyCredentialHeader(_ c: Case) throws {
        for header in c.credentialHeaders {
            var missing = c.request
            missing.headers[header] = nil
            #expect(refused(c, missing) != nil, "without \(header)")
            var empty = c.request
            empty.headers[header] = ""
            #expect(refused(c, empty) != nil, "with an empty \(header)")
        }
    }

    @Test(arguments: cases) func acceptsAnyOfRotatedSecrets(_ c: Case) throws {
        let secret = try #require(c.settings[c.secretKey])
        var rotated = c.settings
        rotated[c.secretKey] = [c.otherSecret, secret]
        try check(c, c.request, settings: rotated)
        rotated[c.secretKey] = [secret, c.otherSecret]
        try check(c, c.request, settings: rotated)
        rotated[c.secretKey] = [c.otherSecret, c.otherSecret]
        #expect(refused(c, c.request, settings: rotated) != nil)
        rotated[c.secretKey] = ["", ""]
        #expect(refused(c, c.request, settings: rotated) != nil, "unset secrets never match")
    }

    @Test func salesforceChecksTheOrganizationAndAcceptsItsShortForm() throws {
        let c = Self.cases.first { $0.name.hasPrefix("salesforce") }!
        var settings = c.settings
        settings["organization_id"] = "00D5g000004XyZa"  // the 15-character form
        try check(c, c.request, settings: settings)
        settings["organization_id"] = "00D000000000001"
        let reason = try #require(refused(c, c.request, settings: settings))
        #expect(reason.contains("OrganizationId 00D5g000004XyZaEAK"))
    }

    @Test func salesforceAndDynamicsTakeAQueryKeyThatIsRedactable() throws {
        let salesforce = SalesforceVerifier()
        let body = Self.payload("salesforce-lead.outbound-message.xml")
        let settings: [String: JSONValue] = ["organization_id": "00D5g000004XyZaEAK", "key": "sf-key"]
        let request = WebhookRequest(path: "/h", query: "key=sf-key", body: body)
        try salesforce.verify(request, settings: settings, context: VerificationContext(now: Date()))
        #expect(salesforce.secretNames(settings: settings).queryParameters == ["key"])
        var wrong = request
        wrong.query = "key=other"
        #expect(throws: BridgeCoreError.self) {
            try salesforce.verify(wrong, settings: settings, context: VerificationContext(now: Date()))
        }
        let dynamics = DynamicsVerifier()
        let code: [String: JSONValue] = ["code": "dyn-code"]
        try dynamics.verify(
            WebhookRequest(path: "/h", query: "code=dyn-code", body: Data()), settings: code,
            context: VerificationContext(now: Date()))
        #expect(dynamics.secretNames(settings: code).queryParameters == ["code"])
        #expect(
            dynamics.secretNames(settings: ["header": "X-Dataverse-Shared", "value": "v"]).headers == [
                "X-Dataverse-Shared"
            ])
        #expect(
            HeaderVerifier().secretNames(settings: ["name": "X-Zapier-Pass", "value": "v"]).headers == ["X-Zapier-Pass"]
        )
        #expect(throws: BridgeCoreError.self) {
            try dynamics.verify(
                WebhookRequest(path: "/h", query: "code=", body: Data()), settings: code,
                context: VerificationContext(now: Date()))
        }
        let query = QueryKeyVerifier()
        try query.verify(
            WebhookRequest(path: "/h", query: "token=a%2Bb", body: Data()),
            settings: ["value": "a+b", "parameter": "token"],
            context: VerificationContext(now: Date()))
    }

    @Test func notionAnswersItsHandshakeAndThenUsesTheKeptToken() throws {
        let notion = NotionVerifier()
        let handshake = WebhookRequest(
            path: "/hooks/notion", headers: Self.json,
            body: Data(#"{"verification_token":"secret_demoNotionVerificationToken0000000000"}"#.utf8))
        let answer = try #require(notion.handshake(handshake))
        #expect(answer.secret == "secret_demoNotionVerificationToken0000000000")
        #expect(answer.reply.status == 200)
        #expect(!answer.message.contains("secret_demo"))
        // A real event is no handshake; with no configured token, the kept one is the key.
        let c = Self.cases.first { $0.name == "notion" }!
        #expect(notion.handshake(c.request) == nil)
        try notion.verify(
            c.request, settings: [:],
            context: VerificationContext(
                now: Date(), handshakeSecrets: ["secret_demoNotionVerificationToken0000000000"]))
        let reason = try #require(refused(c, c.request, settings: [:]))
        #expect(reason.contains("no verification token"))
    }
}
