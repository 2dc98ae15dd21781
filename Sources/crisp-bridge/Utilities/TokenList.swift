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
                    printable(secret.secret), BridgeTime.iso(secret.receivedAt), printable(secret.source ?? "-"),
                    secret.trusted ? "trusted" : "pending",
                ].joined(separator: "\t"))
        }
        return lines.joined(separator: "\n")
    }

    /// `text` with control characters written as `\u{…}`: what a sender sent never moves the operator's
    /// terminal or splits a row.
    static func printable(_ text: String) -> String {
        String(
            text.unicodeScalars.flatMap { scalar -> [Character] in
                scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
                    ? Array("\\u{\(String(scalar.value, radix: 16))}") : [Character(scalar)]
            })
    }

    /// A token's first characters, for an error message (the token itself is a secret).
    static func masked(_ token: String) -> String {
        token.count <= 10 ? String(repeating: "*", count: token.count) : token.prefix(7) + "…"
    }
}
