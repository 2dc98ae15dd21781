import BridgeCore
import BridgeStore
import Foundation

/// The table `senders token` prints: one kept handshake token per line, newest first.
enum TokenList {
    static func render(_ kept: [HandshakeSecret]) -> String {
        var lines = ["TOKEN\tRECEIVED\tFROM\tSTATUS"]
        for secret in kept {
            lines.append(
                [
                    secret.secret, BridgeTime.iso(secret.receivedAt), secret.source ?? "-",
                    secret.trusted ? "trusted" : "pending",
                ].joined(separator: "\t"))
        }
        return lines.joined(separator: "\n")
    }

    /// A token's first characters, for an error message (the token itself is a secret).
    static func masked(_ token: String) -> String {
        token.count <= 10 ? String(repeating: "*", count: token.count) : token.prefix(7) + "…"
    }
}
