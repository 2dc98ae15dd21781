import Crypto
import Foundation

/// `basic`: HTTP Basic credentials on every request (Pipedrive's only option).
public struct BasicAuthVerifier: SenderVerifier {
    public init() {}
    public var name: String { "basic" }
    public var settings: [String] { ["username", "password"] }
    public var requiredSettings: [String] { ["username", "password"] }

    public func verify(_ request: WebhookRequest, settings: [String: JSONValue], context: VerificationContext)
        throws(BridgeCoreError)
    {
        let username = try settings.requiredText("username", sender: name)
        let password = try settings.requiredText("password", sender: name)
        guard let header = request.header("authorization") else {
            throw BridgeCoreError(.verification, "basic: no Authorization header")
        }
        let expected = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        // Compare digests so the comparison takes the same time whatever the lengths.
        let a = SHA256.hash(data: Data(header.trimmed.utf8))
        let b = SHA256.hash(data: Data(expected.utf8))
        guard ConstantTime.equals(Array(a), Array(b)) else {
            throw BridgeCoreError(.verification, "basic: wrong username or password")
        }
    }
}
