import Foundation

/// A row as both stores read it, by column name: what the read-side queries written once (`StoreRules`) decode
/// their models from, whichever database answered. Opaque outside this module.
public struct StoreRecord: Sendable {
    var values: [String: StoreStatement.Value]

    /// The column as an integer (a real is truncated; text is parsed, as PostgreSQL's `numeric` arrives).
    func int(_ column: String) -> Int64? {
        switch values[column] {
        case .integer(let value): value
        case .real(let value): Int64(value)
        case .bool(let value): value ? 1 : 0
        case .text(let value): Int64(value) ?? Double(value).map { Int64($0) }
        default: nil
        }
    }

    /// The column as a number.
    func double(_ column: String) -> Double? {
        switch values[column] {
        case .integer(let value): Double(value)
        case .real(let value): value
        case .text(let value): Double(value)
        default: nil
        }
    }

    /// The column as text.
    func text(_ column: String) -> String? {
        if case .text(let value) = values[column] { return value }
        return nil
    }

    /// The column as a time (stored as seconds since 1970).
    func date(_ column: String) -> Date? { double(column).map { Date(timeIntervalSince1970: $0) } }

    /// The column as a count (0 when absent).
    func count(_ column: String) -> Int { Int(int(column) ?? 0) }
}

/// A statement written once for both stores (`StoreRules`), as a store runs it: opaque outside this module,
/// where none can be made.
public struct StoreQuery: Sendable {
    let statement: StoreStatement
}

/// What a store gives the read-side queries written once (`HistoryReads`): running a statement and reading its
/// rows. Everything else of the console's queries is implemented once, in extensions constrained to it.
public protocol RecordReading: Sendable {
    /// The rows a read-only statement returns.
    func records(_ query: StoreQuery) async throws(BridgeStoreError) -> [StoreRecord]

    /// The rows a statement that writes returns (`RETURNING`).
    func writtenRecords(_ query: StoreQuery) async throws(BridgeStoreError) -> [StoreRecord]
}

extension RecordReading {
    func records(_ statement: StoreStatement) async throws(BridgeStoreError) -> [StoreRecord] {
        try await records(StoreQuery(statement: statement))
    }
}
