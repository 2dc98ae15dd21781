import Foundation

/// The audit log: every operator action (replay, bulk replay, cancel, reload, login) with who, what and how
/// many, kept in the store so every instance's actions are in one place.
public protocol AuditTrail: Sendable {
    /// Writes `entry`; returns its number.
    @discardableResult
    func record(_ entry: AuditEntry) async throws(BridgeStoreError) -> Int64

    /// The newest `limit` entries, newest first.
    func auditEntries(limit: Int) async throws(BridgeStoreError) -> [AuditEntry]
}
