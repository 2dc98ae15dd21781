import BridgeCore
import Foundation
import Hummingbird
import NIOCore

/// Answers HTTP requests the way Crisp's people API does: Basic auth, the `{error, reason, data}` envelope,
/// Crisp's reasons and status codes; plus the trouble the configuration asks for, and `/_sandbox/` inspection.
struct SandboxResponder: HTTPResponder {
    /// The largest body the sandbox reads (1 MiB); a larger one is answered 413.
    static let bodyLimit = 1 << 20

    typealias Context = BasicRequestContext

    let configuration: SandboxConfiguration
    let state: SandboxState
    /// Where the injected faults' draws come from (`configuration.seed`).
    let faults: SandboxFaults
    let limiter: SandboxLimiter

    init(configuration: SandboxConfiguration, state: SandboxState) {
        self.configuration = configuration
        self.state = state
        self.limiter = SandboxLimiter(rate: configuration.rateLimit, quota: configuration.dailyQuota)
        self.faults = SandboxFaults(seed: configuration.seed)
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/_sandbox/") { return try await inspect(request, path: path) }
        state.inFlight.add(1, ordering: .relaxed)
        defer { state.inFlight.subtract(1, ordering: .relaxed) }
        if configuration.latencyMilliseconds > 0 {
            try await Task.sleep(for: .milliseconds(configuration.latencyMilliseconds))
        }
        let method = request.method.rawValue
        let outcome: Result<SandboxState.Answer, SandboxError>
        do {
            if let refusal = state.refusal.withLock({ $0 }) {
                _ = try authenticate(request)
                throw refusal
            }
            outcome = .success(try await answer(request, method: method, path: path))
        } catch let error as SandboxError {
            outcome = .failure(error)
        }
        let tier = request.headers.first { $0.name.canonicalName == "x-crisp-tier" }?.value
        let (status, reason, error): (Int, String, Bool)
        let data: JSONValue?
        switch outcome {
        case .success(let answer): (status, reason, error, data) = (answer.status, answer.reason, false, answer.data)
        case .failure(let refusal):
            (status, reason, error, data) = (
                refusal.status, refusal.reason, true, ["message": .string(refusal.message)]
            )
        }
        if case .success = outcome, configuration.garbledAnswerRate > 0,
            ["POST", "PUT", "PATCH", "DELETE"].contains(method),
            faults.happens(configuration.garbledAnswerRate)
        {
            state.record(
                .init(
                    method: method, path: path, status: 200, reason: "garbled", at: Date(), tier: tier,
                    userAgent: request.headers[.userAgent]))
            return Response(
                status: .ok, headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<html><body><h1>Welcome</h1></body></html>")))
        }
        state.record(
            .init(
                method: method, path: path, status: status, reason: reason, at: Date(), tier: tier,
                userAgent: request.headers[.userAgent]))
        return Self.envelope(status: status, error: error, reason: reason, data: data, head: method == "HEAD")
    }

    private func answer(_ request: Request, method: String, path: String) async throws -> SandboxState.Answer {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            String($0).removingPercentEncoding ?? String($0)
        }
        guard parts.count >= 4, parts[0] == "v1", parts[1] == "website", ["people", "conversation"].contains(parts[3])
        else {
            throw SandboxError.routeNotFound
        }
        let token = try authenticate(request)
        let website: SandboxState
        if parts[2] == configuration.websiteID {
            website = state
        } else if configuration.otherWebsites.contains(parts[2]) {
            website = state.website(parts[2])
        } else {
            throw SandboxError(404, "website_not_found", "no website \(parts[2]) for this token")
        }
        if let refusal = limiter.admit(token: token) { throw refusal }
        if faults.happens(configuration.failRate) {
            throw faults.pick(2) == 0
                ? SandboxError(500, "error", "an injected internal error (--fail-rate)")
                : SandboxError(503, "unavailable", "an injected unavailability (--fail-rate)")
        }
        var body: JSONValue?
        let bytes: ByteBuffer
        do {
            bytes = try await request.body.collect(upTo: Self.bodyLimit)
        } catch is NIOTooManyBytesError {
            // As Crisp's API does: a refusal the client must not send again unchanged (not a 500 to retry).
            throw SandboxError(413, "request_too_large", "the body is larger than \(Self.bodyLimit) bytes")
        }
        if bytes.readableBytes > 0, method != "GET", method != "HEAD", method != "DELETE" {
            do {
                body = try JSONValue.parse(Data(bytes.readableBytesView))
            } catch {
                throw SandboxError.invalidData("the body is \(error.message)")
            }
        }
        var query: [String: String] = [:]
        for (name, value) in WebhookRequest.decodeForm(request.uri.query ?? "") { query[name] = value }
        let answer =
            parts[3] == "people"
            ? try website.handle(method: method, route: Array(parts[4...]), query: query, body: body)
            : try website.handleConversation(method: method, route: Array(parts[4...]), query: query, body: body)
        if configuration.failAfterWriteRate > 0, ["POST", "PUT", "PATCH", "DELETE"].contains(method),
            faults.happens(configuration.failAfterWriteRate)
        {
            switch faults.pick(configuration.lateAnswerMilliseconds > 0 ? 3 : 2) {
            case 0:
                throw SandboxError(
                    500, "error", "an injected error after the write was stored (--fail-after-write-rate)")
            case 1:
                throw SandboxError(
                    503, "unavailable",
                    "an injected unavailability after the write was stored (--fail-after-write-rate)")
            default:
                try await Task.sleep(for: .milliseconds(configuration.lateAnswerMilliseconds))
            }
        }
        return answer
    }

    /// The token identifier, when `Authorization: Basic` carries the configured identifier and key.
    private func authenticate(_ request: Request) throws(SandboxError) -> String {
        let unauthorized = SandboxError(401, "unauthorized", "the token identifier or key is wrong")
        guard let header = request.headers[.authorization], header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6))).flatMap({ String(data: $0, encoding: .utf8) }
            )
        else { throw unauthorized }
        guard decoded == "\(configuration.identifier):\(configuration.key)" else { throw unauthorized }
        return configuration.identifier
    }

    /// The state `?website=ID` names (another website of the token), else the configured website's.
    private func inspected(_ request: Request) -> SandboxState {
        guard let id = request.uri.queryParameters["website"].map(String.init), id != configuration.websiteID,
            configuration.otherWebsites.contains(id)
        else { return state }
        return state.website(id)
    }

    /// `GET /_sandbox/requests` lists what was received (and `in_flight`, how many are being answered now);
    /// `DELETE` clears it; `GET /_sandbox/people` lists every
    /// profile with its event count and data; `GET /_sandbox/conversations` every conversation with its meta and
    /// messages (both `?website=ID` for another website of the token); `POST /_sandbox/reset` forgets all; `POST /_sandbox/quota/reset`
    /// starts a new quota day (`?limit=N` sets a new daily quota); `POST /_sandbox/refuse?status=400&reason=
    /// invalid_data` answers every API request so until `DELETE /_sandbox/refuse` (a Crisp that refuses, for
    /// trying dead letters and their replay).
    private func inspect(_ request: Request, path: String) async throws -> Response {
        switch (request.method, path) {
        case (.get, "/_sandbox/requests"):
            return Self.json(
                200,
                [
                    "requests": .array(state.requests.map(\.json)),
                    "in_flight": .number(Double(state.inFlight.load(ordering: .relaxed))),
                ])
        case (.delete, "/_sandbox/requests"):
            state.clearLog()
            return Self.json(200, ["cleared": true])
        case (.post, "/_sandbox/quota/reset"):
            let limit = request.uri.queryParameters["limit"].flatMap { Int(String($0)) }
            limiter.resetQuota(to: limit)
            return Self.json(200, ["quota": "reset"])
        case (.post, "/_sandbox/refuse"):
            let status = request.uri.queryParameters["status"].flatMap { Int(String($0)) } ?? 400
            let reason = request.uri.queryParameters["reason"].map(String.init) ?? "invalid_data"
            guard (400...599).contains(status) else {
                return Self.json(400, ["error": "status is an HTTP error status, 400 to 599"])
            }
            state.refusal.withLock {
                $0 = SandboxError(status, reason, "refused on purpose (POST /_sandbox/refuse; DELETE it to stop)")
            }
            return Self.json(200, ["refusing": .number(Double(status)), "reason": .string(reason)])
        case (.delete, "/_sandbox/refuse"):
            state.refusal.withLock { $0 = nil }
            return Self.json(200, ["refusing": false])
        case (.post, "/_sandbox/reset"):
            state.reset()
            return Self.json(200, ["reset": true])
        case (.get, "/_sandbox/people"):
            return Self.json(200, ["people": inspected(request).people])
        case (.get, "/_sandbox/conversations"):
            return Self.json(200, ["conversations": inspected(request).conversations])
        case (.get, "/_sandbox/health"):
            return Self.json(200, ["ok": true, "profiles": .number(Double(state.profileCount))])
        default:
            return Self.envelope(
                status: 404, error: true, reason: "not_found", data: ["message": "the route does not exist"],
                head: false)
        }
    }

    static func envelope(status: Int, error: Bool, reason: String, data: JSONValue?, head: Bool) -> Response {
        if head { return Response(status: .init(code: status)) }
        var o: [String: JSONValue] = ["error": .bool(error), "reason": .string(reason)]
        if let data { o["data"] = data }
        return json(status, .object(o))
    }

    static func json(_ status: Int, _ value: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
    }
}
