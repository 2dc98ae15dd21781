import AsyncHTTPClient
import BridgeCore
import Foundation
import NIOCore
import NIOHTTP1

/// A browser's part in the console's route tests: it keeps the session cookie, sends forms, and does not follow
/// redirects (the tests look at them).
struct ConsoleClient {
    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(1), read: .seconds(30)))
    )

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: String

        var location: String? { headers.first(name: "location") }
        /// The CSRF token the page's forms carry.
        var csrf: String? {
            guard let range = body.range(of: #"name="csrf" value="([0-9a-f]{64})""#, options: .regularExpression)
            else { return nil }
            return String(body[range].dropFirst(#"name="csrf" value=""#.count).dropLast())
        }
    }

    let port: Int
    var cookie: String?

    init(port: Int) { self.port = port }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Answer {
        try await send(.GET, path, body: nil, headers: headers)
    }

    /// Posts a form (`application/x-www-form-urlencoded`).
    func post(_ path: String, form: [String: String], headers: [String: String] = [:]) async throws -> Answer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
        return try await send(
            .POST, path, body: body,
            headers: headers.merging(["content-type": "application/x-www-form-urlencoded"]) { a, _ in a })
    }

    func send(_ method: HTTPMethod, _ path: String, body: String?, headers: [String: String]) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let cookie { request.headers.add(name: "cookie", value: cookie) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 8 << 20)
        return Answer(
            status: Int(response.status.code), headers: response.headers,
            body: String(decoding: bytes.readableBytesView, as: UTF8.self))
    }

    /// Signs in with `token`; returns the answer (the cookie is kept when one is set).
    @discardableResult
    mutating func login(_ token: String, headers: [String: String] = [:]) async throws -> Answer {
        let answer = try await post("/console/login", form: ["token": token], headers: headers)
        if let setCookie = answer.headers.first(name: "set-cookie") {
            cookie = String(setCookie.split(separator: ";")[0])
        }
        return answer
    }

    /// The admin API's JSON answer to a bearer-token request.
    func admin(_ method: HTTPMethod, _ path: String, token: String) async throws -> (status: Int, json: JSONValue) {
        let answer = try await send(method, path, body: nil, headers: ["authorization": "Bearer \(token)"])
        return (answer.status, (try? JSONValue.parse(Data(answer.body.utf8))) ?? .null)
    }
}
