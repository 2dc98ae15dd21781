import Foundation

/// Which events a list shows (`events list`, `GET /admin/events`, the console): any of status, pipeline(s),
/// contact, dedupe id, last error, a field of the stored request and a time window, newest first, a page at a
/// time (`before`: the last id of the previous page). The query walks the events by id from the newest (through
/// an index on status, pipeline or contact with the id), so a page costs the same at a million events as at ten;
/// a field of the request is looked for in a window of ids at a time (`EventPage`).
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
    /// Only events numbered above this (the end of a field search's window).
    public var after: Int64?
    /// Any of these pipelines (a sender's pipelines, say); empty matches none.
    public var pipelines: [String]?
    /// The dedupe id (the id a 202 answer printed: the sender's delivery id, a row's id, …).
    public var dedupeID: String?
    /// The last error is one of these (a group of failures).
    public var lastErrors: [String]?
    /// A field of the stored request equals a value.
    public var field: RequestField?
    /// Only these events (the live tail's rows still changing).
    public var ids: [Int64]?
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

    /// Whether the filter reads the stored requests (and so searches a window of ids at a time).
    public var readsRequests: Bool { field != nil }
}
