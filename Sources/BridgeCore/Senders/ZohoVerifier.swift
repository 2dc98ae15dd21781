import Foundation

/// `zoho`: Zoho CRM, which signs nothing. Two kinds of request, each checked against a shared secret in
/// constant time:
///
/// - **Workflow-rule webhooks** (the admin builds the URL, headers and body): a custom header set in the
///   webhook (settings `header` + `value`) or a parameter written into its URL (`parameter` + `value`).
/// - **Notification API callbacks** (`/crm/v7/actions/watch`, ids only): the body's `token` (the one given
///   when the channel was registered, at most 50 characters) and `channel_id` (settings `token` and
///   `channel_id`).
///
/// Every setting given is checked: a notification pipeline may also put `parameter` + `value` in its
/// `notify_url`. The callback's `token` is replaced by `redacted` before the body is stored or recorded.
public struct ZohoVerifier: SenderVerifier {
    public init() {}
    public var name: String { "zoho" }
    public var settings: [String] { ["header", "parameter", "value", "token", "channel_id"] }
    public var requiredSettings: [String] { [] }
    public var alternativeSettings: [[String]] {
        [["header", "value"], ["parameter", "value"], ["token", "channel_id"]]
    }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        if settings["header"] != nil {
            try HeaderVerifier.check(
                request, header: try settings.requiredText("header", sender: name),
                secrets: try settings.requiredTexts("value", sender: name), sender: name)
        }
        if settings["parameter"] != nil {
            try QueryKeyVerifier.check(
                request, parameter: try settings.requiredText("parameter", sender: name),
                secrets: try settings.requiredTexts("value", sender: name), sender: name)
        }
        if settings["token"] != nil || settings["channel_id"] != nil {
            try checkNotification(request, settings: settings)
        }
    }

    /// Checks a Notification API callback's `token` and `channel_id` against the settings.
    private func checkNotification(_ request: WebhookRequest, settings: [String: JSONValue]) throws(BridgeCoreError) {
        let tokens = try settings.requiredTexts("token", sender: name)
        let channels = try settings.requiredTexts("channel_id", sender: name)
        guard case .object(let fields)? = try? JSONValue.parse(request.body) else {
            throw BridgeCoreError.rejected(400, "zoho: not a Notification API callback (the body is not a JSON object)")
        }
        guard let token = Self.text(fields["token"]), !token.isEmpty else {
            throw BridgeCoreError(.verification, "zoho: the notification has no token")
        }
        guard SignatureCheck.anySecret(token, equals: tokens) else {
            throw BridgeCoreError(.verification, "zoho: the notification's token does not match")
        }
        guard let channel = Self.text(fields["channel_id"]), !channel.isEmpty else {
            throw BridgeCoreError(.verification, "zoho: the notification has no channel_id")
        }
        guard SignatureCheck.anySecret(channel, equals: channels) else {
            throw BridgeCoreError(
                .verification, "zoho: channel_id \(channel.prefix(40)) is not the configured channel_id")
        }
    }

    /// A text or a number (Zoho's channel ids are longs; callbacks send them as text) as text.
    private static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: s
        case .number(let n)?: JSONValue.format(number: n)
        default: nil
        }
    }

    public func settingsProblem(literal: [String: JSONValue], given: Set<String>) -> String? {
        if given.contains("value"), !given.contains("header"), !given.contains("parameter") {
            return "value needs header (a secret header) or parameter (a secret in the URL)"
        }
        if given.contains("header") || given.contains("parameter"), !given.contains("value") {
            return "header and parameter need value (the secret)"
        }
        if given.contains("token") != given.contains("channel_id") {
            return "token and channel_id go together (a Notification API channel)"
        }
        return nil
    }

    public func secretNames(settings: [String: JSONValue]) -> SenderSecretNames {
        SenderSecretNames(
            headers: settings["header"]?.stringValue.map { [$0] } ?? [],
            queryParameters: settings["parameter"]?.stringValue.map { [$0] } ?? [])
    }

    /// A notification's `token` value (the channel's secret) becomes `redacted`.
    public func redactBody(_ body: Data) -> Data {
        guard body.count < 1 << 20, let text = String(data: body, encoding: .utf8), text.contains("\"channel_id\"")
        else { return body }
        let range = NSRange(text.startIndex..., in: text)
        return Data(
            Self.token.stringByReplacingMatches(in: text, range: range, withTemplate: "$1\"redacted\"").utf8)
    }

    private static let token = try! NSRegularExpression(pattern: #"("token"\s*:\s*)"(?:[^"\\]|\\.)*""#)
}
