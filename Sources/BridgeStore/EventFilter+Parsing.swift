import BridgeCore
import Foundation

extension EventFilter {
    /// The names a filter is given by, as `events list` options (`--status`, …) and admin API query parameters.
    public static let parameterNames = [
        "status", "pipeline", "contact", "dedupe_id", "field", "since", "until", "before", "limit",
    ]

    /// A filter from text as an operator types it: `status` pending|done|dead, `field` PATH = VALUE
    /// (`RequestField`), `since`/`until` an ISO
    /// 8601 time, a date or an age (`15m`, `2h`, `7d`; see `BridgeTime.parse`), `before` an event number, `limit`
    /// 1 to `maxLimit`. Each bad value is refused naming the parameter and what it takes.
    public init(text: [String: String], now: Date, maxLimit: Int = 1000) throws(BridgeStoreError) {
        self.init()
        if let value = text["status"] {
            guard let status = EventStatus(rawValue: value) else {
                throw BridgeStoreError(
                    "status '\(value)' is none of \(EventStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.status = status
        }
        pipeline = text["pipeline"].flatMap { $0.isEmpty ? nil : $0 }
        contact = text["contact"].flatMap { $0.isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
        dedupeID = text["dedupe_id"].flatMap { $0.isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
        if let value = text["field"], !value.trimmingCharacters(in: .whitespaces).isEmpty {
            field = try RequestField(text: value)
        }
        for key in ["since", "until"] {
            guard let value = text[key] else { continue }
            guard let date = BridgeTime.parse(value, now: now) else {
                throw BridgeStoreError(
                    "\(key) '\(value)' is not a time: give ISO 8601 (2026-12-07T14:00:00Z), a date (2026-12-07) or an age (15m, 2h, 7d)"
                )
            }
            if key == "since" { since = date } else { until = date }
        }
        if let value = text["before"] {
            guard let id = Int64(value), id > 0 else {
                throw BridgeStoreError("before '\(value)' is not an event number")
            }
            before = id
        }
        if let value = text["limit"] {
            guard let count = Int(value), (1...maxLimit).contains(count) else {
                throw BridgeStoreError("limit '\(value)' is not a number from 1 to \(maxLimit)")
            }
            limit = count
        }
    }
}
