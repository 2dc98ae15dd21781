import BridgeCore
import BridgeStore
import Foundation

/// What a bulk replay sends again: the events a filter selects (dead and done ones; pending ones are already
/// on their way), or a group of failures (`FailureGroup`).
enum ReplaySelection: Sendable, Hashable {
    case filter(EventFilter)
    case group(pipeline: String, cause: String)

    /// The filter that lists its candidates, a page at a time.
    var candidates: EventFilter {
        switch self {
        case .filter(let filter): filter
        case .group(let pipeline, _): EventFilter(status: .dead, pipeline: pipeline)
        }
    }

    /// Whether `event`, listed by `candidates`, is to be replayed.
    func selects(_ event: StoredEvent) -> Bool {
        switch self {
        case .filter: return event.status != .pending
        case .group(_, let cause):
            return event.status == .dead && FailureGroup.cause(of: event.lastError ?? "") == cause
        }
    }

    /// What the audit log and the console say it is.
    var summary: String {
        switch self {
        case .group(let pipeline, let cause): return "failures of \(pipeline): \(cause)"
        case .filter(let filter): return "events where " + filter.summary
        }
    }
}

extension EventFilter {
    /// The filter as an operator reads it: `status=dead pipeline=hubspot field="body.email = a@x.io"`.
    var summary: String {
        var parts: [String] = []
        if let status { parts.append("status=\(status.rawValue)") }
        if let pipeline { parts.append("pipeline=\(pipeline)") }
        if let pipelines { parts.append("pipelines=\(pipelines.joined(separator: ","))") }
        if let contact { parts.append("contact=\(contact)") }
        if let dedupeID { parts.append("dedupe_id=\(dedupeID)") }
        if let field { parts.append("field=\"\(field.text)\"") }
        if let since { parts.append("since=\(BridgeTime.iso(since))") }
        if let until { parts.append("until=\(BridgeTime.iso(until))") }
        return parts.isEmpty ? "(all events)" : parts.joined(separator: " ")
    }
}
