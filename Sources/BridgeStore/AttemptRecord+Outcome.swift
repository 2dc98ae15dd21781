import BridgeCore
import Foundation

extension AttemptRecord {
    /// The record an attempt that ended with `outcome` leaves (not for `.waiting` and `.paused`, which leave none), the same
    /// in every store.
    static func of(_ outcome: DeliveryOutcome, eventID: Int64, at: Date, startedAt: Date?) -> AttemptRecord {
        let duration = startedAt.map { max(0, at.timeIntervalSince($0)) }
        let (name, status, reason): (String, Int?, String) =
            switch outcome {
            case .delivered(let n, let unchanged):
                (
                    "done", nil,
                    "delivered \(n) operation\(n == 1 ? "" : "s")" + (unchanged > 0 ? ", \(unchanged) unchanged" : "")
                )
            case .carried(let leader, let n):
                (
                    "done", nil,
                    "delivered with event \(leader): its \(n) operation\(n == 1 ? "" : "s") went out in that event's merged writes (coalesced)"
                )
            case .skipped(let reason): ("skipped", nil, reason.map { "skipped: " + $0 } ?? "skipped by when")
            case .retry(_, let reason, let status): ("retry", status, reason)
            case .dead(let reason, let status): ("dead", status, reason)
            case .waiting: ("waiting", nil, "")
            case .paused(_, let reason): ("paused", 423, reason)
            }
        return AttemptRecord(
            eventID: eventID, at: at, outcome: name, httpStatus: status, reason: reason, duration: duration)
    }

    /// The status the event takes after this attempt.
    var eventStatus: EventStatus {
        switch outcome {
        case "done", "skipped": .done
        case "dead": .dead
        default: .pending
        }
    }
}
