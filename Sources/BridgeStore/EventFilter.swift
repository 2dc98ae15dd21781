import Foundation

/// Which events a list shows (`events list`, `GET /admin/events`, the console): any of status, pipeline,
/// contact and a time window, newest first, a page at a time (`before`: the last id of the previous page). The
/// query walks the events by id from the newest, so a page costs the same at a million events as at ten.
public struct EventFilter: Sendable, Hashable {
    public var status: EventStatus?
    public var pipeline: String?
    /// The contact's email (compared lower-cased).
    public var contact: String?
    /// Received at or after.
    public var since: Date?
    /// Received before.
    public var until: Date?
    /// Only events numbered below this (the next page).
    public var before: Int64?
    public var limit: Int

    public init(
        status: EventStatus? = nil, pipeline: String? = nil, contact: String? = nil, since: Date? = nil,
        until: Date? = nil, before: Int64? = nil, limit: Int = 50
    ) {
        self.status = status
        self.pipeline = pipeline
        self.contact = contact
        self.since = since
        self.until = until
        self.before = before
        self.limit = limit
    }
}
