import AsyncHTTPClient
import BridgeCore
import Foundation
import NIOCore

/// Performs pipelines' enrichment calls over HTTP (AsyncHTTPClient): the only I/O of a transform.
///
/// Hardened for calls whose path comes from a payload: redirects are followed (at most 5) only within the
/// scheme, host and port written in the pipeline; connect and total timeouts; answers larger than
/// `maxResponseBytes` fail. Errors that may pass (timeouts, refused connections) are thrown as they are (the
/// event is retried later); the others are `BridgeCoreError`s with a reason (permanent).
public struct HTTPFetcher: Fetcher {
    public struct Limits: Sendable {
        /// The time to open a connection.
        public var connect: TimeAmount = .seconds(5)
        /// The time for a whole call, redirects included.
        public var total: TimeAmount = .seconds(15)
        public var maxResponseBytes = 4 << 20
        public var maxRedirects = 5
        public init() {}
    }

    let client: HTTPClient
    let limits: Limits
    /// Tokens of the OAuth 2 grants that sign calls in (`auth.oauth2`), shared by every copy.
    let tokens = OAuth2Tokens()
    /// Tokens of the Google service accounts that sign fetches in (`auth.google_service_account`).
    let serviceAccounts = ServiceAccountTokens()

    /// A fetcher with its own connection pool; `shutdown()` it when done.
    public init(limits: Limits = Limits()) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: limits.connect, read: limits.total)
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.limits = limits
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// Sends the call; with `auth.oauth2`, signed in with the grant's token (exchanged when none is fresh, and
    /// once more when the API refuses it with 401). With no client and no refresh token (a pipeline that also
    /// takes a plain token in its headers), the call goes as its headers say.
    public func fetch(_ request: FetchRequest) async throws -> FetchResponse {
        if let account = request.serviceAccount { return try await fetch(request, signedBy: account) }
        guard let grant = request.oauth2 else { return try await send(request) }
        var signed = request
        signed.oauth2 = nil
        if grant.isUnset {
            return try await send(signed)
        }
        let missing = grant.missing
        guard missing.isEmpty else {
            throw BridgeCoreError(
                .fetch,
                "auth.oauth2: \(missing.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") empty (an unset environment variable?)"
            )
        }
        let token = try await tokens.token(for: grant, fetcher: self)
        signed.headers["authorization"] = "\(grant.scheme) \(token)"
        let response = try await send(signed)
        guard response.status == 401 else { return response }
        // Refused (revoked, or expired before its time): a fresh token, once.
        let fresh = try await tokens.token(for: grant, fetcher: self, refused: token)
        signed.headers["authorization"] = "\(grant.scheme) \(fresh)"
        return try await send(signed)
    }

    /// Sends the call signed in as a Google service account: its token kept until a minute before it expires,
    /// taken again once when the API refuses it (401).
    private func fetch(_ request: FetchRequest, signedBy account: ServiceAccountGrant) async throws -> FetchResponse {
        var signed = request
        signed.serviceAccount = nil
        func sign() async throws {
            do {
                signed.headers["authorization"] = try await serviceAccounts.authorization(
                    keyFile: account.keyFile, scopes: account.scopes, via: self)
            } catch {
                // A grant Google refused (4xx) stays so until it is fixed; the rest may pass (as for `http` actions).
                if let status = error.status, (400..<500).contains(status), status != 429 {
                    throw BridgeCoreError(.fetch, "auth.google_service_account: \(error.reason)")
                }
                throw OAuth2TokenUnavailable(description: "auth.google_service_account: \(error.reason)")
            }
        }
        try await sign()
        let response = try await send(signed)
        guard response.status == 401 else { return response }
        await serviceAccounts.forget(keyFile: account.keyFile, scopes: account.scopes)
        try await sign()
        return try await send(signed)
    }

    /// Sends the call as it is (no sign-in).
    func send(_ request: FetchRequest) async throws -> FetchResponse {
        // A value from a payload with a line break would be refused by the client every time: say so, once.
        for (name, value) in request.headers
        where (name + value).unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
            throw BridgeCoreError(.fetch, "the header \(name) has a line break or NUL in its value")
        }
        let deadline = NIODeadline.now() + limits.total
        let end = ContinuousClock.now + .nanoseconds(limits.total.nanoseconds)
        var url = request.url
        var method = request.method
        var body = request.body
        for _ in 0...limits.maxRedirects {
            var outgoing = HTTPClientRequest(url: url)
            outgoing.method = .init(rawValue: method)
            for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
            outgoing.headers.replaceOrAdd(name: "User-Agent", value: "crisp-bridge/0.1.0")
            if let body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
            let response = try await client.execute(outgoing, deadline: deadline)
            let status = Int(response.status.code)
            if request.followsRedirects, [301, 302, 303, 307, 308].contains(status),
                let location = response.headers.first(name: "location")
            {
                guard let next = URL(string: location, relativeTo: URL(string: url))?.absoluteString,
                    let origin = FetchOrigin(url: next)
                else {
                    throw BridgeCoreError(.fetch, "\(method) \(Self.shown(url)) redirected to an unreadable location")
                }
                if let allowed = request.origin, origin != allowed {
                    throw BridgeCoreError(
                        .fetch,
                        "\(method) \(Self.shown(url)) redirected to \(origin); only \(allowed), as written in the pipeline, may be called"
                    )
                }
                if status == 303 || ((status == 301 || status == 302) && method == "POST") {
                    method = "GET"
                    body = nil
                }
                url = next
                continue
            }
            let bytes: ByteBuffer
            do {
                bytes = try await Self.collect(response.body, upTo: limits.maxResponseBytes, before: end)
            } catch is NIOTooManyBytesError {
                throw BridgeCoreError(
                    .fetch, "\(method) \(Self.shown(url)) answered more than \(limits.maxResponseBytes) bytes")
            }
            var headers: [String: String] = [:]
            for header in response.headers { headers[header.name.lowercased()] = header.value }
            return FetchResponse(status: status, body: Data(bytes.readableBytesView), headers: headers)
        }
        throw BridgeCoreError(
            .fetch, "\(request.method) \(Self.shown(request.url)) redirected more than \(limits.maxRedirects) times")
    }

    /// The answer's body, read by `end` at the latest: a server that trickles its answer fails like one that
    /// does not answer (retryable).
    static func collect(
        _ body: HTTPClientResponse.Body, upTo limit: Int, before end: ContinuousClock.Instant
    ) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: limit) }
            group.addTask {
                try await Task.sleep(until: end, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let bytes = first else { throw FetchTimeout() }
            return bytes
        }
    }

    /// The whole call, answer included, took longer than the total time allowed.
    struct FetchTimeout: Error, CustomStringConvertible {
        var description: String { "the answer did not arrive in time" }
    }

    /// Whether `error` is this fetcher refusing a request before sending it (a header with a line break).
    static func refusedBeforeSending(_ error: any Error) -> Bool {
        (error as? BridgeCoreError)?.message.hasPrefix("the header ") == true
    }

    /// A URL without its query, which may hold a key.
    static func shown(_ url: String) -> String {
        url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
    }
}
