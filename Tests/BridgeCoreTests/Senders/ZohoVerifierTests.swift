import Foundation
import Testing

@testable import BridgeCore

/// `zoho`: a workflow webhook's secret header or URL parameter, a Notification API callback's token and
/// channel_id (payloads/zoho-crm-lead.*.json).
@Suite struct ZohoVerifierTests {
    let verifier = ZohoVerifier()
    let context = VerificationContext(now: Date(timeIntervalSince1970: 1_749_721_270))
    let notification =
        (try? Data(
            contentsOf: URL(fileURLWithPath: Paths.repository + "/pipelines/recordings/zoho/notification.json")))
        ?? Data()
    let channel: [String: JSONValue] = ["token": "crisp-bridge-7f3a9c2e41", "channel_id": "1000000068001"]

    func reason(_ request: WebhookRequest, _ settings: [String: JSONValue]) -> String? {
        do {
            try verifier.verify(request, settings: settings, context: context)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func aWorkflowWebhookPassesWithTheSecretHeaderOnly() {
        let settings: [String: JSONValue] = ["header": "X-Bridge-Key", "value": ["new-key", "old-key"]]
        let body = Data(#"{"event":"lead.created"}"#.utf8)
        #expect(
            reason(WebhookRequest(path: "/hooks/zoho", headers: ["x-bridge-key": "new-key"], body: body), settings)
                == nil)
        #expect(
            reason(WebhookRequest(path: "/hooks/zoho", headers: ["x-bridge-key": "old-key"], body: body), settings)
                == nil)
        let wrong = reason(
            WebhookRequest(path: "/hooks/zoho", headers: ["x-bridge-key": "other"], body: body), settings)
        #expect(wrong == "zoho: x-bridge-key does not match the secret")
        #expect(reason(WebhookRequest(path: "/hooks/zoho", body: body), settings) == "zoho: no X-Bridge-Key header")
        #expect(verifier.secretNames(settings: settings).headers == ["X-Bridge-Key"])
    }

    @Test func aWorkflowWebhookPassesWithTheSecretParameter() {
        let settings: [String: JSONValue] = ["parameter": "key", "value": "url-key"]
        let body = Data("event=lead.created".utf8)
        #expect(reason(WebhookRequest(path: "/hooks/zoho", query: "key=url-key", body: body), settings) == nil)
        #expect(reason(WebhookRequest(path: "/hooks/zoho", query: "key=url-kez", body: body), settings) != nil)
        #expect(reason(WebhookRequest(path: "/hooks/zoho", body: body), settings) == "zoho: no ?key= query parameter")
        #expect(verifier.secretNames(settings: settings).queryParameters == ["key"])
    }

    @Test func aNotificationPassesWithItsTokenAndChannel() throws {
        #expect(!notification.isEmpty)
        let request = WebhookRequest(path: "/hooks/zoho-notification", body: notification)
        #expect(reason(request, channel) == nil)
        // a list of tokens (a rotation), and a numeric channel id
        #expect(
            reason(request, ["token": ["next-token", "crisp-bridge-7f3a9c2e41"], "channel_id": 1_000_000_068_001])
                == nil)
        #expect(
            reason(request, ["token": "another-token", "channel_id": "1000000068001"])
                == "zoho: the notification's token does not match")
        #expect(
            reason(request, ["token": "crisp-bridge-7f3a9c2e41", "channel_id": "1000000068002"])
                == "zoho: channel_id 1000000068001 is not the configured channel_id")
        let noToken = String(decoding: notification, as: UTF8.self).replacingOccurrences(
            of: #""token": "crisp-bridge-7f3a9c2e41""#, with: #""tokens": "x""#)
        #expect(
            reason(WebhookRequest(path: "/", body: Data(noToken.utf8)), channel)
                == "zoho: the notification has no token")
        let noChannel = String(decoding: notification, as: UTF8.self).replacingOccurrences(
            of: #""channel_id""#, with: #""channel""#)
        #expect(
            reason(WebhookRequest(path: "/", body: Data(noChannel.utf8)), channel)
                == "zoho: the notification has no channel_id")
        #expect(
            reason(WebhookRequest(path: "/", body: Data("not json".utf8)), channel)?.contains(
                "not a Notification API callback") == true)
        #expect(
            reason(request, ["token": "", "channel_id": "1000000068001"])?.contains("setting 'token' is empty") == true)
    }

    @Test func everySettingGivenIsChecked() {
        var settings = channel
        settings["parameter"] = "key"
        settings["value"] = "url-key"
        #expect(reason(WebhookRequest(path: "/", query: "key=url-key", body: notification), settings) == nil)
        #expect(reason(WebhookRequest(path: "/", body: notification), settings) == "zoho: no ?key= query parameter")
    }

    @Test func theTokenIsRedactedFromTheStoredBody() {
        let redacted = String(decoding: verifier.redactBody(notification), as: UTF8.self)
        #expect(!redacted.contains("crisp-bridge-7f3a9c2e41"))
        #expect(redacted.contains(#""token": "redacted""#))
        #expect(redacted.contains("5725767000004312001"))
        let workflow = Data(#"{"token":"kept"}"#.utf8)
        #expect(verifier.redactBody(workflow) == workflow)
    }

    @Test func settingsThatDoNotGoTogetherAreNamed() {
        #expect(verifier.settingsProblem(literal: [:], given: ["value"]) != nil)
        #expect(verifier.settingsProblem(literal: [:], given: ["header"]) != nil)
        #expect(verifier.settingsProblem(literal: [:], given: ["token"]) != nil)
        #expect(verifier.settingsProblem(literal: [:], given: ["header", "value"]) == nil)
        #expect(verifier.settingsProblem(literal: [:], given: ["token", "channel_id", "parameter", "value"]) == nil)
        #expect(SenderRegistry.builtins["zoho"] != nil)
    }
}
