import BridgeCore
import BridgeStore
import Foundation

extension PollState {
    /// The state as the admin API and `crisp-bridge poll` show it at `now` (times in ISO 8601).
    public func json(now: Date) -> JSONValue {
        let time = { (date: Date?) in date.map { JSONValue.string(BridgeTime.iso($0)) } ?? .null }
        return [
            "pipeline": .string(pipeline), "cursor": cursor ?? .null, "polled": .bool(cursor != nil),
            "last_poll_at": time(lastPollAt), "last_success_at": time(lastSuccessAt),
            "next_poll_at": time(nextPollAt), "failures": .number(Double(failures)),
            "last_error": lastError.map(JSONValue.string) ?? .null, "items_stored": .number(Double(itemsStored)),
            "polling_now": .bool(leaseUntil.map { $0 > now } ?? false),
        ]
    }

    /// One line for people: cursor, last and next poll, failures.
    public var summary: String {
        var line = "poll \(pipeline): "
        line += cursor.map { "cursor \($0.jsonText)" } ?? "not polled yet"
        if let lastPollAt { line += ", last poll \(BridgeTime.iso(lastPollAt))" }
        if let nextPollAt { line += ", next \(BridgeTime.iso(nextPollAt))" }
        line += ", \(itemsStored) item(s) stored"
        if failures > 0 { line += ", \(failures) failure(s) in a row: \(lastError ?? "")" }
        return line
    }
}
