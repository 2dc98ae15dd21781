import Foundation

/// `crisp`: Crisp's plugin hooks (Marketplace). `X-Crisp-Signature: <hex HMAC-SHA256>` of
/// `"[" + X-Crisp-Request-Timestamp + ";" + body + "]"`, keyed with the hook's signing secret.
///
/// The timestamp header is signed as the text it is (its unit is unconfirmed): it is not compared with the
/// clock, so the dedupe id is the replay defence. A message (an event whose `data` has a `fingerprint`) is
/// identified by its event, session and fingerprint; any other event by a hash of the body, which a retry
/// repeats and which differs between events (the envelope's `timestamp` is when the event occurred).
/// Crisp's website hooks (workspace settings) are unsigned: those pipelines use `query_key`.
public struct CrispVerifier: SenderVerifier {
    public init() {}
    public var name: String { "crisp" }
    public var settings: [String] { ["secret"] }
    public var requiredSettings: [String] { ["secret"] }
    /// Crisp's own examples answer a hook 200; whether it takes 202 as delivered is not documented.
    public var acceptedStatus: Int? { 200 }
    public var defaultID: String? {
        #"event.data.fingerprint != null ? string(event.event) + ":" + string(event.data.session_id) + ":" + string(event.data.fingerprint) : null"#
    }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        let secrets = try settings.requiredTexts("secret", sender: name)
        _ = try SignatureCheck.header("x-crisp-signature", of: request, sender: name)
        let timestamp = try SignatureCheck.header("x-crisp-request-timestamp", of: request, sender: name)
        var signed = Data("[\(timestamp);".utf8)
        signed.append(request.body)
        signed.append(UInt8(ascii: "]"))
        try SignatureCheck.requireHeaderMAC(
            request, header: "x-crisp-signature", shown: "X-Crisp-Signature", encoding: .hex, secrets: secrets,
            message: signed, sender: name, hint: "is it this plugin's hook signing secret?")
    }
}
