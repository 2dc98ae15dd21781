import Foundation

/// The console's read-side queries over any store's records, written once: each store's `EventHistory` and
/// `AuditTrail` methods hand their `records` here.
enum HistoryReads {
    static func count(_ read: RecordReader, _ filter: EventFilter) async throws(BridgeStoreError) -> Int {
        try await read(StoreRules.countEvents(filter)).first?.count("n") ?? 0
    }

    static func eventIDs(_ read: RecordReader, _ filter: EventFilter) async throws(BridgeStoreError) -> [Int64] {
        try await read(StoreRules.eventIDs(filter)).compactMap { $0.int("id") }
    }

    static func latestEventID(_ read: RecordReader) async throws(BridgeStoreError) -> Int64? {
        try await read(StoreRules.latestEventID).first?.int("id")
    }

    static func failureCounts(_ read: RecordReader) async throws(BridgeStoreError) -> [FailureCount] {
        try await read(StoreRules.deadByError).map(FailureCount.init)
    }

    static func record(_ write: RecordReader, _ entry: AuditEntry) async throws(BridgeStoreError) -> Int64 {
        try await write(StoreRules.audit(entry)).first?.int("id") ?? 0
    }

    static func auditEntries(_ read: RecordReader, limit: Int) async throws(BridgeStoreError) -> [AuditEntry] {
        try await read(StoreRules.auditEntries(limit: max(1, limit))).map(AuditEntry.init)
    }
}
