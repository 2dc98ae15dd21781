import BridgeCore
import Foundation

/// Where a poll pipeline stands in the store: its cursor, its last poll and its lease.
public struct PollState: Sendable, Hashable {
    public var pipeline: String
    /// The cursor kept by the last successful poll; nil when the pipeline was never polled successfully.
    public var cursor: JSONValue?
    /// When the last poll ended (successful or not).
    public var lastPollAt: Date?
    /// Why the last poll failed; nil after a success.
    public var lastError: String?
    /// Polls failed in a row (the backoff grows with it).
    public var failures: Int
    /// When the next poll is due; nil: at once.
    public var nextPollAt: Date?
    /// Items stored as events by this pipeline's polls, in all.
    public var itemsStored: Int
    /// When the last poll that stored an item or moved the cursor succeeded.
    public var lastSuccessAt: Date?
    /// Where the last poll's paging stopped, when it ran out of pages or time (`PollResult.resume`).
    public var resume: JSONValue?
    /// The instance polling it now, and until when its lease holds.
    public var leaseOwner: String?
    public var leaseUntil: Date?

    public init(pipeline: String) {
        self.pipeline = pipeline
        self.failures = 0
        self.itemsStored = 0
    }
}

/// One polled item as it is stored: its request (the item is the body) and its event.
public struct PolledItem: Sendable {
    public var request: IncomingRequest
    public var event: IncomingEvent

    public init(request: IncomingRequest, event: IncomingEvent) {
        self.request = request
        self.event = event
    }
}

/// How a poll ended, as the store keeps it.
public enum PollCompletion: Sendable {
    /// The items found (stored unless already seen), the ids to keep as seen without an event (a first poll
    /// with `start: now`), the cursor and where paging stopped (nil: it ended), in one transaction; `problem`
    /// (kept as the last error, the failures not counted) says why paging stopped short (a cursor that does not
    /// move).
    case succeeded(items: [PolledItem], seen: [String], cursor: JSONValue, resume: JSONValue?, problem: String? = nil)
    /// The poll failed: the cursor stays; the reason is kept and the failures counted.
    case failed(reason: String)
}
