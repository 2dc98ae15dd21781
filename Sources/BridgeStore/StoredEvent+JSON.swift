import BridgeCore
import Foundation

extension StoredEvent {
    /// The event as `events list --json`, `events show` and the admin API give it: times in ISO 8601 with
    /// milliseconds (`BridgeTime`), absent values as null.
    public var json: JSONValue {
        [
            "id": .number(Double(id)), "status": .string(status.rawValue), "pipeline": .string(pipeline),
            "dedupe_id": .string(dedupeID), "index": .number(Double(index)), "attempts": .number(Double(attempts)),
            "progress": .number(Double(progress)), "contact": contact.map(JSONValue.string) ?? .null,
            "last_error": lastError.map(JSONValue.string) ?? .null,
            "planned_by": plannedBy.map(JSONValue.string) ?? .null,
            "waiting_for": status == .pending ? waitingFor.map { .number(Double($0)) } ?? .null : .null,
            "received_at": .string(BridgeTime.iso(createdAt)), "age_from": .string(BridgeTime.iso(ageFrom)),
            "updated_at": .string(BridgeTime.iso(updatedAt)),
            "next_attempt_at": status == .pending ? nextAttemptAt.map { .string(BridgeTime.iso($0)) } ?? .null : .null,
        ]
    }
}

extension AttemptRecord {
    /// The attempt as `events show` and the admin API give it.
    public var json: JSONValue {
        var out: [String: JSONValue] = [
            "at": .string(BridgeTime.iso(at)), "outcome": .string(outcome), "reason": .string(reason),
            "http_status": httpStatus.map { .number(Double($0)) } ?? .null,
            "duration_ms": duration.map { .number(($0 * 1000).rounded()) } ?? .null,
        ]
        if out["http_status"] == .null { out["http_status"] = nil }
        if out["duration_ms"] == .null { out["duration_ms"] = nil }
        if !operations.isEmpty { out["operations"] = .array(operations.map(\.json)) }
        return .object(out)
    }
}
