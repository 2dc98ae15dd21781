import AsyncHTTPClient
import BridgeCore
import Foundation
import NIOCore

/// Performs pipelines' enrichment calls over HTTP (AsyncHTTPClient): the only I/O of a transform.
public struct HTTPFetcher: Fetcher {
    let client: HTTPClient
    let timeout: TimeAmount

    public init(client: HTTPClient = .shared, timeout: TimeAmount = .seconds(10)) {
        self.client = client
        self.timeout = timeout
    }

    public func fetch(_ request: FetchRequest) async throws -> FetchResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = .init(rawValue: request.method)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        outgoing.headers.replaceOrAdd(name: "User-Agent", value: "crisp-bridge/0.1.0")
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(outgoing, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 8 << 20)
        return FetchResponse(status: Int(response.status.code), body: Data(bytes.readableBytesView))
    }
}
