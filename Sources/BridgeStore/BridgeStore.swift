import BridgeCore
import Foundation

/// Durable state of the runtime: received requests, their events and attempts, dead letters, dedupe ids, the
/// Crisp quota ledger, poll state, handshake secrets and the audit log.
///
/// It is the sum of the narrow protocols its users take: the delivery queue (intake and the worker), the quota
/// ledger, poll state, handshake secrets and the event history (the `events` command, the admin API, the
/// console). Every backend (SQLite, PostgreSQL) passes the same conformance suite for each of them.
public protocol BridgeStore: DeliveryQueue, QuotaLedger, PollLedger, HandshakeSecretStore, EventHistory, AuditTrail {
    /// Checks that the store answers (for `/readyz`).
    func ping() async throws(BridgeStoreError)
}
