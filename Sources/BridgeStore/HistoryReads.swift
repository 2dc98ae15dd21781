import Foundation

/// The console's read-side queries and the audit log, written once for every store that can run a statement
/// (`RecordReading`): the stores implement none of them.
extension EventHistory where Self: RecordReading {
    public func count(matching filter: EventFilter) async throws(BridgeStoreError) -> Int {
        try await records(StoreRules.countEvents(filter)).first?.count("n") ?? 0
    }

    public func eventIDs(matching filter: EventFilter) async throws(BridgeStoreError) -> [Int64] {
        try await records(StoreRules.eventIDs(filter)).compactMap { $0.int("id") }
    }

    public func latestEventID() async throws(BridgeStoreError) -> Int64? {
        try await records(StoreRules.latestEventID).first?.int("id")
    }

    public func failureCounts() async throws(BridgeStoreError) -> [FailureCount] {
        try await records(StoreRules.deadByError).map(FailureCount.init)
    }

    public func activity(now: Date) async throws(BridgeStoreError) -> StoreActivity {
        try await StoreActivity.read(self, now: now)
    }
}

extension AuditTrail where Self: RecordReading {
    public func record(_ entry: AuditEntry) async throws(BridgeStoreError) -> Int64 {
        try await writtenRecords(StoreQuery(statement: StoreRules.audit(entry))).first?.int("id") ?? 0
    }

    public func auditEntries(limit: Int) async throws(BridgeStoreError) -> [AuditEntry] {
        try await records(StoreRules.auditEntries(limit: max(1, limit))).map(AuditEntry.init)
    }
}
