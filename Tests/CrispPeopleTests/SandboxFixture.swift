import AsyncHTTPClient
import BridgeCore
import CrispPeople
import CrispSandbox
import Foundation
import NIOCore
import NIOHTTP1

/// A sandbox on a free loopback port and a client pointed at it, stopped by `close()`.
struct SandboxFixture {
    let sandbox: RunningSandbox
    let client: CrispClient

    static func start(
        _ configuration: SandboxConfiguration = SandboxConfiguration(), retry: CrispClient.RetryPolicy = .standard,
        key: String? = nil, requestTimeout: Duration = .seconds(10)
    ) async throws -> SandboxFixture {
        let sandbox = try await CrispSandbox.start(configuration: configuration)
        let client = CrispClient(
            configuration: .init(
                baseURL: sandbox.baseURL, websiteID: configuration.websiteID, identifier: configuration.identifier,
                key: key ?? configuration.key, requestTimeout: requestTimeout, retry: retry))
        return SandboxFixture(sandbox: sandbox, client: client)
    }

    func close() async {
        try? await client.shutdown()
        await sandbox.stop()
    }

    /// A raw request to the sandbox: status and parsed JSON body (nil when empty).
    func raw(
        _ method: HTTPMethod, _ path: String, body: String? = nil, auth: String? = nil
    ) async throws -> (status: Int, json: JSONValue?) {
        let configuration = sandbox.configuration
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(sandbox.port)/\(path)")
        request.method = method
        let credentials = auth ?? "\(configuration.identifier):\(configuration.key)"
        request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let json = bytes.readableBytes == 0 ? nil : try JSONValue.parse(Data(bytes.readableBytesView))
        return (Int(response.status.code), json)
    }

    /// `v1/website/{id}/people/` + `rest`.
    func people(_ rest: String) -> String {
        "v1/website/\(sandbox.configuration.websiteID)/people/\(rest)"
    }
}
