import BridgeCore
import Foundation
import GRDB

extension SQLiteBridgeStore {
    public func recentRequests(pipeline: String, limit: Int) async throws(BridgeStoreError) -> [StoredRequest] {
        try await read { db in
            try db.rows(StoreRules.recentRequests(pipeline: pipeline, limit: max(limit, 0))).map(Self.storedRequest)
                .reversed()
        }
    }

    /// A row of `requests` as the request it stores.
    static func storedRequest(_ row: Row) -> StoredRequest {
        let headers = (try? JSONValue.parse(row["headers"] as String))?.objectValue ?? [:]
        return StoredRequest(
            id: row["id"], pipeline: row["pipeline"],
            webhook: WebhookRequest(
                method: row["method"], path: row["path"], query: row["query"],
                headers: headers.compactMapValues(\.stringValue), body: row["body"],
                receivedAt: Date(timeIntervalSince1970: row["received_at"])))
    }
}
