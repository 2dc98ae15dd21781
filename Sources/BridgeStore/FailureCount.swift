import Foundation

/// The dead events of a pipeline that died with one reason: how many, first and last seen (the console groups
/// them further by cause, `FailureGroup`).
public struct FailureCount: Sendable, Hashable {
    public var pipeline: String
    public var reason: String
    public var count: Int
    public var first: Date
    public var last: Date

    init(_ record: StoreRecord) {
        pipeline = record.text("pipeline") ?? ""
        reason = record.text("last_error") ?? ""
        count = record.count("n")
        first = record.date("first_at") ?? .distantPast
        last = record.date("last_at") ?? .distantPast
    }

    public init(pipeline: String, reason: String, count: Int, first: Date, last: Date) {
        self.pipeline = pipeline
        self.reason = reason
        self.count = count
        self.first = first
        self.last = last
    }
}
