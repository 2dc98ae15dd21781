import Foundation

extension SQLiteBridgeStore {
    public func count(matching filter: EventFilter) async throws(BridgeStoreError) -> Int {
        try await HistoryReads.count(records, filter)
    }

    public func eventIDs(matching filter: EventFilter) async throws(BridgeStoreError) -> [Int64] {
        try await HistoryReads.eventIDs(records, filter)
    }

    public func latestEventID() async throws(BridgeStoreError) -> Int64? {
        try await HistoryReads.latestEventID(records)
    }

    public func failureCounts() async throws(BridgeStoreError) -> [FailureCount] {
        try await HistoryReads.failureCounts(records)
    }

    public func activity(now: Date) async throws(BridgeStoreError) -> StoreActivity {
        try await StoreActivity.read(records, now: now)
    }

    public func record(_ entry: AuditEntry) async throws(BridgeStoreError) -> Int64 {
        try await HistoryReads.record(writtenRecords, entry)
    }

    public func auditEntries(limit: Int) async throws(BridgeStoreError) -> [AuditEntry] {
        try await HistoryReads.auditEntries(records, limit: limit)
    }
}
