import Crypto
import Foundation

/// A call to another system's API (the `http` action): Crisp as a source for other tools. Run by the worker with
/// retries and progress like a Crisp operation.
///
/// Without an idempotency key it is sent at most once: a 5xx, 408 or 429 answer (the other side did not do it) is
/// retried, but when a crash or a lost answer leaves it in doubt the event ends dead with its replay command
/// rather than risk a second row, message or record. With `idempotencyHeader`, the header carries a key stable
/// across retries, and a call in doubt is simply sent again.
public struct HTTPCall: Sendable, Hashable {
    /// Method, URL, headers and body, the URL checked against the origin written in the pipeline.
    public var request: FetchRequest
    /// The header that carries the idempotency key, when the target supports one (`Idempotency-Key`).
    public var idempotencyHeader: String?
    /// A Google service account that signs the call in (`auth.google_service_account`): its key file and scopes.
    public var serviceAccount: ServiceAccountGrant?
    /// The values of the environment variables the call's templates read (tokens, keys, a webhook URL's secret
    /// path): replaced by `[redacted]` wherever the call is shown, whatever their names.
    public var secrets: [String]

    public init(
        request: FetchRequest, idempotencyHeader: String? = nil, serviceAccount: ServiceAccountGrant? = nil,
        secrets: [String] = []
    ) {
        self.request = request
        self.idempotencyHeader = idempotencyHeader
        self.serviceAccount = serviceAccount
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// `text` with every secret value replaced by `[redacted]`.
    public func scrub(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: HeaderRedaction.placeholder)
        }
        return out
    }

    /// How the call is named in reasons and logs: method and URL, credentials redacted.
    public var shown: String { "\(request.method) \(scrub(Self.shownURL(request.url)))" }

    /// The key sent in `idempotencyHeader`: the same for every attempt at operation `index` of an event.
    public static func idempotencyKey(pipeline: String, eventID: String, index: Int) -> String {
        "crisp-bridge-" + String(SHA256.hash(data: Data("\(pipeline)\n\(eventID)\n\(index)".utf8)).hexString.prefix(40))
    }

    /// As tests and `plan` show it: credentials in headers and the query redacted, the body as JSON.
    var json: JSONValue {
        var o: [String: JSONValue] = [
            "method": .string(request.method), "url": .string(scrub(Self.shownURL(request.url))),
        ]
        let headers = HeaderRedaction.redact(request.headers.filter { $0.key != "content-type" })
        if !headers.isEmpty { o["headers"] = .object(headers.mapValues { .string(scrub($0)) }) }
        if let body = request.body {
            o["body"] = scrubbed((try? JSONValue.parse(body)) ?? .string(String(decoding: body, as: UTF8.self)))
        }
        if let idempotencyHeader { o["idempotency_key"] = .string(idempotencyHeader) }
        return .object(o)
    }

    private func scrubbed(_ value: JSONValue) -> JSONValue {
        guard !secrets.isEmpty else { return value }
        switch value {
        case .string(let s): return .string(scrub(s))
        case .array(let items): return .array(items.map(scrubbed))
        case .object(let members): return .object(members.mapValues(scrubbed))
        default: return value
        }
    }

    /// The URL with query parameters named like credentials redacted.
    public static func shownURL(_ url: String) -> String {
        guard let mark = url.firstIndex(of: "?") else { return url }
        return String(url[..<mark]) + "?" + HeaderRedaction.redactQuery(String(url[url.index(after: mark)...]))
    }
}

/// A Google service account's key file and the OAuth scopes a call asks for.
public struct ServiceAccountGrant: Sendable, Hashable {
    public var keyFile: String
    public var scopes: [String]

    public init(keyFile: String, scopes: [String]) {
        self.keyFile = keyFile
        self.scopes = scopes
    }
}
