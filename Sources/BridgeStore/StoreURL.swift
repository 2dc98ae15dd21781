import Foundation
import NIOSSL
import PostgresNIO

/// Reads `--store` values: `sqlite:PATH` or `postgres://user:password@host:port/database`.
public enum StoreURL {
    /// Whether `spec` names a PostgreSQL store.
    public static func isPostgres(_ spec: String) -> Bool {
        spec.hasPrefix("postgres://") || spec.hasPrefix("postgresql://")
    }

    /// `spec` with its password replaced by `***`, safe for logs and errors.
    public static func redacted(_ spec: String) -> String {
        guard isPostgres(spec), var components = URLComponents(string: spec) else { return spec }
        if components.password != nil { components.password = "***" }
        return components.string ?? "postgres://(unreadable URL)"
    }

    /// The PostgresNIO configuration of a `postgres://` URL: user, password, host, port (5432), database,
    /// and `sslmode` (`disable`, `prefer` — the default, as libpq's — or `require`).
    static func postgresConfiguration(_ spec: String, poolSize: Int) throws(BridgeStoreError)
        -> PostgresClient.Configuration
    {
        guard isPostgres(spec), let components = URLComponents(string: spec), let host = components.host,
            !host.isEmpty, let user = components.user, !user.isEmpty
        else {
            throw BridgeStoreError(
                "cannot read the store URL \(redacted(spec)): write postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        let database = String(components.path.drop { $0 == "/" })
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default:
            throw BridgeStoreError("unknown sslmode '\(sslMode)' in the store URL: use disable, prefer or require")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.maximumConnections = max(1, poolSize)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}
