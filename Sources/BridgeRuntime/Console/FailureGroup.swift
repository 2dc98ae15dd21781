import BridgeStore
import Foundation

/// Dead events of one pipeline grouped by the cause of their death: the reason with what varies from event to
/// event taken out (emails, ids, numbers, quoted values, the attempt count), so "Crisp 400 invalid_data on
/// crisp.data for ada@x.io" and the same for bob@y.io are one group.
struct FailureGroup: Sendable, Hashable {
    var pipeline: String
    var cause: String
    var count: Int
    var first: Date
    var last: Date
    /// One reason as it was recorded (an example).
    var example: String

    /// A stable key for the group (what a bulk replay of it names).
    var key: String { FailureGroup.key(pipeline: pipeline, cause: cause) }

    static func key(pipeline: String, cause: String) -> String {
        let digest = cause.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        return pipeline + ":" + String(digest, radix: 36)
    }

    /// The groups of the counts a store gave, the largest first.
    static func groups(_ counts: [FailureCount]) -> [FailureGroup] {
        var groups: [String: FailureGroup] = [:]
        for count in counts {
            let cause = Self.cause(of: count.reason)
            let key = Self.key(pipeline: count.pipeline, cause: cause)
            if var group = groups[key] {
                group.count += count.count
                group.first = min(group.first, count.first)
                group.last = max(group.last, count.last)
                groups[key] = group
            } else {
                groups[key] = FailureGroup(
                    pipeline: count.pipeline, cause: cause, count: count.count, first: count.first,
                    last: count.last, example: count.reason)
            }
        }
        return groups.values.sorted { ($0.count, $1.pipeline, $1.cause) > ($1.count, $0.pipeline, $0.cause) }
    }

    /// What varies between events' reasons, and what stands for it. Compiled once: a page of failures
    /// classifies every distinct reason of the store's dead events.
    private static let variables: [(NSRegularExpression, String)] = [
        (#"^gave up after \d+ attempts?: "#, ""),
        (#"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"#, "<email>"),
        (#"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"#, "<id>"),
        (#"'[^']*'"#, "'…'"),
        (#""[^"]*""#, "\"…\""),
        (#"\b\d{4,}\b"#, "<n>"),
        (#"\b(attempt|event|row|line) \d+\b"#, "$1 <n>"),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1) }

    /// A reason with what varies between events taken out ("gave up after 12 attempts: " too).
    static func cause(of reason: String) -> String {
        var text = reason
        for (pattern, replacement) in variables {
            text = pattern.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: replacement)
        }
        return text.count > 160 ? String(text.prefix(159)) + "…" : text
    }
}
