import Foundation

/// `notion`: Notion integration webhooks. `X-Notion-Signature: sha256=<hex HMAC-SHA256 of the body>`, keyed with
/// the verification token.
///
/// The first request of a new subscription is a handshake carrying only `{"verification_token": "secret_…"}`:
/// it is answered 200 and delivers nothing; `serve` keeps the token, untrusted (anyone can send a handshake).
/// The key is the `verification_token` setting, or — while that is empty — the kept token the operator trusted
/// (`crisp-bridge senders token PIPELINE --trust TOKEN`, after pasting it into Notion).
public struct NotionVerifier: SenderVerifier {
    public init() {}
    public var name: String { "notion" }
    public var settings: [String] { ["verification_token"] }
    public var requiredSettings: [String] { [] }
    public var defaultID: String? { "event.id" }
    public var usesHandshakeSecrets: Bool { true }

    public func loadWarning(given: Set<String>) -> String? {
        given.contains("verification_token")
            ? nil
            : "without verification_token, events are refused until the token of a Notion handshake is trusted with `crisp-bridge senders token PIPELINE --trust TOKEN`; set it (e.g. ${{ env.NOTION_VERIFICATION_TOKEN }}) to pin the key"
    }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        var tokens = settings.texts("verification_token")
        if tokens.isEmpty { tokens = context.handshakeSecrets }
        guard !tokens.isEmpty else {
            throw BridgeCoreError(
                .verification,
                "notion: no verification token (setting 'verification_token' is empty, and no handshake token is trusted: run `crisp-bridge senders token PIPELINE --trust TOKEN`)"
            )
        }
        let header = try SignatureCheck.header("x-notion-signature", of: request, sender: name)
        guard header.hasPrefix("sha256="), let given = SignatureCheck.Encoding.hex.decode(header.dropFirst(7)) else {
            throw BridgeCoreError(.verification, "notion: X-Notion-Signature is not sha256=<hex>")
        }
        guard SignatureCheck.anyMAC(.sha256, secrets: tokens, message: request.body, equals: [given]) else {
            throw BridgeCoreError(.verification, "notion: signature does not match (is it this subscription's token?)")
        }
    }

    public func handshake(_ request: WebhookRequest) -> SenderHandshake? {
        // Small bodies only: the handshake is one short JSON object.
        guard request.body.count < 4096, case .object(let fields)? = try? JSONValue.parse(request.body),
            fields.count == 1, case .string(let token)? = fields["verification_token"], !token.isEmpty,
            token.count <= 256, token.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) })
        else { return nil }  // a token is printable ASCII (`secret_…`): anything else is no handshake
        return SenderHandshake(
            secret: token,
            message:
                "Notion sent a verification token (kept, not trusted yet): print it with `crisp-bridge senders token PIPELINE`, paste it into the subscription's Verify dialog in Notion, then trust it with `crisp-bridge senders token PIPELINE --trust TOKEN` or set the pipeline's verification_token (e.g. NOTION_VERIFICATION_TOKEN) to it",
            reply: SenderReply(status: 200, contentType: "application/json; charset=utf-8", body: #"{"ok":true}"#))
    }
}
