import BridgeCore
import NIOCore
import Synchronization

/// Requests already split into events: intake hands over what it verified and split (the worker does not read
/// the request back nor parse it again), and the worker keeps what it read and parsed itself, so a request of N
/// events is parsed once, not N times. An import hands over each row with its plans, keyed by the row's event
/// before it is stored (the worker may claim the row the moment it is committed). Bounded by count and by body
/// bytes; the oldest go first. A request not found here is read from the store and parsed, as after a restart.
final class ParsedRequestCache: Sendable {
    struct Entry: Sendable {
        let webhook: WebhookRequest
        let accepted: AcceptedRequest
        /// The version of the pipeline that split it (after a reload, the new version splits it again).
        let version: String
        /// Events already planned by that version, by index: an import plans each row to check it before it is
        /// stored, and the worker carries that plan out instead of planning the row again.
        var plans: [Int: EventOutcome] = [:]
    }

    /// What an entry is found by: the stored request, or (an import's row, before it is stored) the pipeline and
    /// dedupe id of one of its events.
    enum Key: Hashable, Sendable {
        case request(Int64)
        case event(pipeline: String, dedupeID: String)
    }

    private let capacity: Int
    private let byteBudget: Int
    /// The entries, their order of arrival (a ring: the oldest leaves in constant time), their bodies' bytes.
    private let state = Mutex<(entries: [Key: Entry], order: CircularBuffer<Key>, bytes: Int)>(([:], [], 0))

    /// At most `capacity` entries and `byteBudget` bytes of bodies.
    init(capacity: Int = 32, byteBudget: Int = 8 << 20) {
        self.capacity = capacity
        self.byteBudget = byteBudget
    }

    subscript(requestID: Int64) -> Entry? {
        self[.request(requestID)]
    }

    subscript(key: Key) -> Entry? {
        state.withLock { $0.entries[key] }
    }

    func insert(_ entry: Entry, for requestID: Int64) {
        insert(entry, for: .request(requestID))
    }

    func insert(_ entry: Entry, for key: Key) {
        state.withLock { state in
            if let replaced = state.entries.updateValue(entry, forKey: key) {
                state.bytes -= replaced.webhook.body.count
            } else {
                state.order.append(key)
            }
            state.bytes += entry.webhook.body.count
            while state.order.count > capacity || (state.bytes > byteBudget && state.order.count > 1) {
                let oldest = state.order.removeFirst()
                state.bytes -= state.entries.removeValue(forKey: oldest)?.webhook.body.count ?? 0
            }
        }
    }
}
