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
    /// The items found (stored unless already seen) and the cursor to keep, in one transaction.
    case succeeded(items: [PolledItem], cursor: JSONValue)
    /// The poll failed: the cursor stays; the reason is kept and the failures counted.
    case failed(reason: String)
}
