import Foundation

/// A page of events and where the next one starts. A filter on a field of the request is looked for in a window
/// of ids at a time (`EventPage.searchWindow`), so a page costs the same however rarely the field matches: the
/// page may then hold fewer events than asked, and says which ids it searched.
public struct EventPage: Sendable {
    /// How many ids a field search reads per page.
    public static let searchWindow: Int64 = 10_000

    public var events: [StoredEvent]
    /// The `before` of the next page, nil at the end.
    public var nextBefore: Int64?
    /// The ids a field search read (highest first), nil for other filters.
    public var searched: ClosedRange<Int64>?

    public init(events: [StoredEvent], nextBefore: Int64?, searched: ClosedRange<Int64>? = nil) {
        self.events = events
        self.nextBefore = nextBefore
        self.searched = searched
    }
}
