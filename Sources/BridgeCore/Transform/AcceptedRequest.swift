/// A request that passed intake: verified, parsed, and split into events with their dedupe ids.
public struct AcceptedRequest: Sendable {
    public struct Event: Sendable {
        public let index: Int
        public let id: String
        public let value: JSONValue
        /// The contact whose events keep their order, when it is known at intake (see `OrderKeyRule`).
        public var orderKey: String? = nil
    }

    public let request: WebhookRequest
    public let body: JSONValue
    /// The request's part of every event's frame (body, headers, query, env), computed once.
    var frame: [JSONValue]
    public let events: [Event]
    /// Set when `each` or `id` failed: every event of the request fails with this reason.
    public let failure: String?
    /// Set when the request is the sender's set-up handshake: answered, never delivered (no events).
    public var handshake: SenderHandshake? = nil
}

extension AcceptedRequest {
    /// This request as it was stored: `stored` is the request with its secrets redacted (headers, query), and the
    /// frame's headers and query are taken from it, so what is planned from it is what a plan from the store
    /// computes (the worker plans intake's split without reading and parsing the request again).
    public func storedAs(_ stored: WebhookRequest) -> AcceptedRequest {
        var copy = AcceptedRequest(
            request: stored, body: body, frame: frame, events: events, failure: failure, handshake: handshake)
        if copy.frame.count > Slot.query {
            copy.frame[Slot.headers] = .object(stored.headers.mapValues { .string($0) })
            copy.frame[Slot.query] =
                stored.query.isEmpty ? .object([:]) : .object(stored.queryItems.mapValues { .string($0) })
        }
        return copy
    }
}
