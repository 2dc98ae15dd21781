import BridgeCore
import Foundation

/// An operator's action, as the audit log keeps it: who (which kind of token: `console admin`, `admin API`),
/// what, and how many events it touched.
public struct AuditEntry: Sendable, Hashable {
    public var id: Int64
    public var at: Date
    /// Who acted: the kind of credential, never the credential (`console admin`, `admin API`).
    public var actor: String
    /// `replay`, `bulk replay`, `cancel replay`, `reload`, `login`, `login refused`.
    public var action: String
    /// What it was applied to: an event number, a filter, a group of failures.
    public var detail: String
    /// How many events it touched.
    public var count: Int

    public init(id: Int64 = 0, at: Date, actor: String, action: String, detail: String, count: Int) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.detail = detail
        self.count = count
    }

    public var json: JSONValue {
        [
            "id": .number(Double(id)), "at": .string(BridgeTime.iso(at)), "actor": .string(actor),
            "action": .string(action), "detail": .string(detail), "count": .number(Double(count)),
        ]
    }

    init(_ record: StoreRecord) {
        self.init(
            id: record.int("id") ?? 0, at: record.date("at") ?? .distantPast, actor: record.text("actor") ?? "",
            action: record.text("action") ?? "", detail: record.text("detail") ?? "", count: record.count("count"))
    }
}
