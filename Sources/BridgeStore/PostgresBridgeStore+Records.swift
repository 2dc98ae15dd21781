import Foundation
import PostgresNIO

extension PostgresBridgeStore: RecordReading {
    public func records(_ query: StoreQuery) async throws(BridgeStoreError) -> [StoreRecord] {
        let rows = try await rows(query.statement.postgres)
        do {
            return try rows.map(Self.record)
        } catch {
            throw BridgeStoreError("the PostgreSQL store failed: \(Self.describe(error))")
        }
    }

    public func writtenRecords(_ query: StoreQuery) async throws(BridgeStoreError) -> [StoreRecord] {
        try await records(query)
    }

    static func record(_ row: PostgresRandomAccessRow) throws -> StoreRecord {
        var values: [String: StoreStatement.Value] = [:]
        for cell in row {
            guard cell.bytes != nil else {
                values[cell.columnName] = .null
                continue
            }
            values[cell.columnName] =
                switch cell.dataType {
                case .int2, .int4, .int8: .integer(try cell.decode(Int64.self))
                case .float4, .float8: .real(try cell.decode(Double.self))
                case .bool: .bool(try cell.decode(Bool.self))
                case .bytea: .text(String(decoding: try cell.decode(ByteBuffer.self).readableBytesView, as: UTF8.self))
                default: .text(try cell.decode(String.self))
                }
        }
        return StoreRecord(values: values)
    }
}
