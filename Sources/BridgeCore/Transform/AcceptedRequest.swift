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
