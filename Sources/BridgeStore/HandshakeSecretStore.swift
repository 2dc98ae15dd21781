import BridgeCore
import Foundation

/// Secrets that senders hand over in a handshake (Notion's verification token), kept untrusted until an
/// operator trusts one.
public protocol HandshakeSecretStore: Sendable {
    /// Keeps a secret a sender handed over in a handshake (Notion's verification token) for `pipeline`,
    /// untrusted: anyone who knows the URL can send a handshake. `source` says where it came from (the peer's
    /// address, and what `X-Forwarded-For` claimed), so an operator can tell the sender's from someone else's.
    /// The newest ten untrusted ones are kept; a trusted one is never displaced by a handshake.
    func saveHandshakeSecret(pipeline: String, secret: String, source: String?, at: Date)
        async throws(BridgeStoreError)

    /// Marks a kept secret, named in full by the operator, as the trusted one of `pipeline` (the operator checked
    /// it with the sender); the others lose their trust. False when no such secret is kept.
    func trustHandshakeSecret(pipeline: String, secret: String) async throws(BridgeStoreError) -> Bool

    /// The handshake secrets kept for `pipeline`, newest first.
    func handshakeSecrets(pipeline: String) async throws(BridgeStoreError) -> [HandshakeSecret]
}
