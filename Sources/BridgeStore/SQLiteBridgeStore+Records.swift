import Foundation
import GRDB

extension SQLiteBridgeStore: RecordReading {
    public func records(_ query: StoreQuery) async throws(BridgeStoreError) -> [StoreRecord] {
        try await read { db in try db.rows(query.statement).map(Self.record) }
    }

    public func writtenRecords(_ query: StoreQuery) async throws(BridgeStoreError) -> [StoreRecord] {
        try await write { db in try db.rows(query.statement).map(Self.record) }
    }

    static func record(_ row: Row) -> StoreRecord {
        var values: [String: StoreStatement.Value] = [:]
        for (column, value) in row {
            values[column] =
                switch value.storage {
                case .null: .null
                case .int64(let integer): .integer(integer)
                case .double(let real): .real(real)
                case .string(let text): .text(text)
                case .blob(let data): .text(String(decoding: data, as: UTF8.self))
                }
        }
        return StoreRecord(values: values)
    }
}
