import Foundation

/// `stripe`: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, an HMAC-SHA256 of `t.body` keyed with the endpoint
/// secret as written (`whsec_…`, not decoded). Any `v1` may match (Stripe sends two while a secret rolls); the
/// timestamp must be within `tolerance_seconds` (300) of now.
public struct StripeVerifier: SenderVerifier {
    public init() {}
    public var name: String { "stripe" }
    public var settings: [String] { ["secret", "tolerance_seconds"] }
    public var requiredSettings: [String] { ["secret"] }
    public var defaultID: String? { "event.id" }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        let secrets = try settings.requiredTexts("secret", sender: name)
        let header = try SignatureCheck.header("stripe-signature", of: request, sender: name)
        var timestamp: Substring?
        var signatures: [[UInt8]] = []
        for item in header.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            switch pair[0].trimmed {
            case "t": timestamp = pair[1]
            case "v1": if let bytes = SignatureCheck.Encoding.hex.decode(pair[1].trimmed) { signatures.append(bytes) }
            default: break
            }
        }
        guard let timestamp, let seconds = Double(timestamp) else {
            throw BridgeCoreError(.verification, "stripe: Stripe-Signature has no t= timestamp")
        }
        guard !signatures.isEmpty else {
            throw BridgeCoreError(.verification, "stripe: Stripe-Signature has no v1= signature")
        }
        try SignatureCheck.checkWindow(
            seconds, now: context.now,
            tolerance: try SignatureCheck.seconds(settings, "tolerance_seconds", default: 300, sender: name),
            sender: name)
        var signed = Data("\(timestamp).".utf8)
        signed.append(request.body)
        guard SignatureCheck.anyMAC(.sha256, secrets: secrets, message: signed, equals: signatures) else {
            throw BridgeCoreError(.verification, "stripe: no v1 signature matches (is it this endpoint's secret?)")
        }
    }
}
