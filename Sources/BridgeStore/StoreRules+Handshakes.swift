import Foundation

extension StoreRules {
    /// How many untrusted handshake secrets a pipeline keeps: a flood of fake handshakes cannot grow the store.
    static let handshakeSecretsKept = 10

    /// Keeps a secret handed over in a handshake, untrusted, and forgets all but the newest untrusted ones.
    static func keepHandshakeSecret(_ secret: String, pipeline: String, source: String?, at: Double)
        -> [StoreStatement]
    {
        [
            """
            INSERT INTO handshake_secrets (pipeline, secret, received_at, source)
            VALUES (\(pipeline), \(secret), \(at), \(source))
            ON CONFLICT (pipeline, secret) DO UPDATE SET received_at = excluded.received_at, source = excluded.source
            """,
            """
            DELETE FROM handshake_secrets WHERE pipeline = \(pipeline) AND NOT trusted AND secret NOT IN (
                SELECT secret FROM handshake_secrets WHERE pipeline = \(pipeline) AND NOT trusted
                ORDER BY received_at DESC LIMIT \(handshakeSecretsKept))
            """,
        ]
    }

    /// A kept secret of `pipeline` (a row when there is one).
    static func handshakeSecret(_ secret: String, pipeline: String) -> StoreStatement {
        "SELECT secret FROM handshake_secrets WHERE pipeline = \(pipeline) AND secret = \(secret)"
    }

    /// Makes `secret` the one trusted secret of `pipeline`; the others lose their trust.
    static func trustHandshakeSecret(_ secret: String, pipeline: String) -> StoreStatement {
        "UPDATE handshake_secrets SET trusted = (secret = \(secret)) WHERE pipeline = \(pipeline)"
    }

    /// The secrets kept for `pipeline`, newest first.
    static func handshakeSecrets(pipeline: String) -> StoreStatement {
        "SELECT * FROM handshake_secrets WHERE pipeline = \(pipeline) ORDER BY received_at DESC"
    }
}
