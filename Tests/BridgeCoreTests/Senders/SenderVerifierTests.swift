import Foundation
import Testing

@testable import BridgeCore

/// Test vectors from shared/payloads/README.md, computed over the payload files' exact bytes.
@Suite struct SenderVerifierTests {
    static let payloads = Paths.repository + "/pipelines/recordings"

    func body(_ file: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: Self.payloads + "/" + file))
    }

    func at(_ seconds: Double) -> VerificationContext {
        VerificationContext(now: Date(timeIntervalSince1970: seconds), publicURL: "https://bridge.example.com")
    }

    @Test func hubspotV3AcceptsTheVectorAndRefusesTampering() throws {
        let verifier = HubSpotVerifier()
        let settings: [String: JSONValue] = ["client_secret": "demo-client-secret-0000"]
        var request = WebhookRequest(
            path: "/hooks/hubspot",
            headers: [
                "X-HubSpot-Signature-v3": "zVEgzI6FqKKZZY3LmBqTxYXSKZBqHKP8ZI9EB18uXc8=",
                "X-HubSpot-Request-Timestamp": "1749721268600",
            ], body: try body("hubspot/contact-creation.json"))
        try verifier.verify(request, settings: settings, context: at(1_749_721_270))
        // the URL may also come from the pipeline's own public_url setting
        try verifier.verify(
            request, settings: settings.merging(["public_url": "https://bridge.example.com/hooks/hubspot"]) { $1 },
            context: VerificationContext(now: Date(timeIntervalSince1970: 1_749_721_270)))

        #expect(throws: BridgeCoreError.self) {
            try verifier.verify(request, settings: ["client_secret": "wrong"], context: at(1_749_721_270))
        }
        #expect(throws: BridgeCoreError.self) {  // older than five minutes
            try verifier.verify(request, settings: settings, context: at(1_749_721_268 + 301))
        }
        #expect(throws: BridgeCoreError.self) {  // another URL
            try verifier.verify(
                request, settings: settings,
                context: VerificationContext(
                    now: Date(timeIntervalSince1970: 1_749_721_270), publicURL: "https://other.example.com"))
        }
        request.body.append(0x20)
        #expect(throws: BridgeCoreError.self) {
            try verifier.verify(request, settings: settings, context: at(1_749_721_270))
        }
    }

    @Test func hubspotV1AcceptsTheVector() throws {
        let request = WebhookRequest(
            path: "/hooks/hubspot",
            headers: [
                "X-HubSpot-Signature": "52740d649c61528b5c04310d4eeb17ed38dfdd2f8eea486d251964f65dc95368",
                "X-HubSpot-Signature-Version": "v1",
            ], body: try body("hubspot/contact-creation.json"))
        try HubSpotVerifier().verify(request, settings: ["client_secret": "demo-client-secret-0000"], context: at(0))
        #expect(throws: BridgeCoreError.self) {
            try HubSpotVerifier().verify(request, settings: ["client_secret": "other"], context: at(0))
        }
    }

    @Test func standardWebhooksAcceptsTheVectorUnderBothHeaderNames() throws {
        let verifier = StandardWebhooksVerifier()
        let settings: [String: JSONValue] = ["secret": "whsec_Y3Jpc3AtYnJpZGdlLWRlbW8ta2V5LTMyLWJ5dGVzISE="]
        let data = try Data(
            contentsOf: URL(fileURLWithPath: Paths.fixtures + "/standard-webhooks-contact.created.json"))
        let standard = WebhookRequest(
            path: "/h",
            headers: [
                "webhook-id": "msg_2yJ4kQ9dV1eXampleId0001", "webhook-timestamp": "1749721268",
                "webhook-signature": "v1,bm90IGl0 v1,jBNZPPhgFSzOET197b6fwBHpDrrFVNPX7viypH6isZA=",
            ], body: data)
        try verifier.verify(standard, settings: settings, context: at(1_749_721_268))
        let svix = WebhookRequest(
            path: "/h",
            headers: [
                "svix-id": "msg_2yJ4kQ9dV1eXampleId0001", "svix-timestamp": "1749721268",
                "svix-signature": "v1,jBNZPPhgFSzOET197b6fwBHpDrrFVNPX7viypH6isZA=",
            ], body: data)
        try verifier.verify(svix, settings: settings, context: at(1_749_721_268 - 299))
        #expect(throws: BridgeCoreError.self) {  // too far in the future
            try verifier.verify(svix, settings: settings, context: at(1_749_721_268 - 301))
        }
        var wrongID = standard
        wrongID.headers["webhook-id"] = "msg_other"
        #expect(throws: BridgeCoreError.self) {
            try verifier.verify(wrongID, settings: settings, context: at(1_749_721_268))
        }
        #expect(throws: BridgeCoreError.self) {
            try verifier.verify(standard, settings: ["secret": "whsec_not base64!"], context: at(1_749_721_268))
        }
    }

    @Test func basicAuthComparesTheWholeCredential() throws {
        let verifier = BasicAuthVerifier()
        let settings: [String: JSONValue] = ["username": "crisp-bridge", "password": "demo-basic-password"]
        let good = WebhookRequest(
            path: "/h", headers: ["Authorization": "Basic Y3Jpc3AtYnJpZGdlOmRlbW8tYmFzaWMtcGFzc3dvcmQ="], body: Data())
        try verifier.verify(good, settings: settings, context: at(0))
        for header in ["Basic Y3Jpc3AtYnJpZGdlOmRlbW8tYmFzaWMtcGFzc3dvcmQ", "Bearer x", ""] {
            var bad = good
            bad.headers["authorization"] = header
            #expect(throws: BridgeCoreError.self) { try verifier.verify(bad, settings: settings, context: at(0)) }
        }
        #expect(throws: BridgeCoreError.self) {  // an unset secret never matches an empty password
            try verifier.verify(good, settings: ["username": "crisp-bridge", "password": ""], context: at(0))
        }
    }

    @Test func failureReasonsNeverContainTheSecret() {
        let secret = "demo-client-secret-0000"
        let request = WebhookRequest(
            path: "/h", headers: ["x-hubspot-signature-v3": "x", "x-hubspot-request-timestamp": "1"], body: Data())
        do {
            try HubSpotVerifier().verify(request, settings: ["client_secret": .string(secret)], context: at(0))
            Issue.record("accepted")
        } catch {
            #expect(!error.message.contains(secret))
        }
    }

    @Test func constantTimeComparison() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2], [1, 2, 3]))
    }
}
