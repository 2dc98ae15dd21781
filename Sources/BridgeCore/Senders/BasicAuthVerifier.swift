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
        let usernames = try settings.requiredTexts("username", sender: name)
        let passwords = try settings.requiredTexts("password", sender: name)
        try Self.check(request, usernames: usernames, passwords: passwords, sender: name)
    }

    /// Checks the `Authorization: Basic` header against every pair of the given names and passwords.
    static func check(
        _ request: WebhookRequest, usernames: [String], passwords: [String], sender: String
    ) throws(BridgeCoreError) {
        let header = try SignatureCheck.header("authorization", of: request, sender: sender)
        guard header.lowercased().hasPrefix("basic ") else {
            throw BridgeCoreError(.verification, "\(sender): the Authorization header is not Basic credentials")
        }
        let expected = usernames.flatMap { user in
            passwords.map { "Basic " + Data("\(user):\($0)".utf8).base64EncodedString() }
        }
        guard SignatureCheck.anySecret("Basic " + header.dropFirst(6).trimmed, equals: expected) else {
            throw BridgeCoreError(.verification, "\(sender): wrong username or password")
        }
    }
}
