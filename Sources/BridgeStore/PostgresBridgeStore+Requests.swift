import BridgeCore
import Foundation
import PostgresNIO

extension PostgresBridgeStore {
    public func recentRequests(pipeline: String, limit: Int) async throws(BridgeStoreError) -> [StoredRequest] {
        let rows = try await rows(StoreRules.recentRequests(pipeline: pipeline, limit: max(limit, 0)).postgres)
        var requests: [StoredRequest] = []
        for row in rows.reversed() { requests.append(try Self.storedRequest(row)) }
        return requests
    }

    /// A row of `requests` as the request it stores.
    static func storedRequest(_ row: PostgresRandomAccessRow) throws(BridgeStoreError) -> StoredRequest {
        do {
            let headers = (try? JSONValue.parse(try row["headers"].decode(String.self)))?.objectValue ?? [:]
            var body = try row["body"].decode(ByteBuffer.self)
            return StoredRequest(
                id: try row["id"].decode(Int64.self), pipeline: try row["pipeline"].decode(String.self),
                webhook: WebhookRequest(
                    method: try row["method"].decode(String.self), path: try row["path"].decode(String.self),
                    query: try row["query"].decode(String.self), headers: headers.compactMapValues(\.stringValue),
                    body: Data(body.readBytes(length: body.readableBytes) ?? []),
                    receivedAt: Date(timeIntervalSince1970: try row["received_at"].decode(Double.self))))
        } catch {
            throw BridgeStoreError("the PostgreSQL store holds a request it cannot read: \(Self.describe(error))")
        }
    }
}
