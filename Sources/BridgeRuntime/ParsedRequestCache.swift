import BridgeCore
import NIOCore
import Synchronization

/// Requests already split into events, by stored request id: intake hands over what it verified and split (the
/// worker does not read the request back nor parse it again), and the worker keeps what it read and parsed
/// itself, so a request of N events is parsed once, not N times. Bounded by count and by body bytes; the oldest
/// go first. A request not found here is read from the store and parsed, as after a restart.
final class ParsedRequestCache: Sendable {
    struct Entry: Sendable {
        let webhook: WebhookRequest
        let accepted: AcceptedRequest
        /// The version of the pipeline that split it (after a reload, the new version splits it again).
        let version: String
    }

    private let capacity: Int
    private let byteBudget: Int
    /// The entries, their order of arrival (a ring: the oldest leaves in constant time), their bodies' bytes.
    private let state = Mutex<(entries: [Int64: Entry], order: CircularBuffer<Int64>, bytes: Int)>(([:], [], 0))

    /// At most `capacity` requests and `byteBudget` bytes of bodies.
    init(capacity: Int = 32, byteBudget: Int = 8 << 20) {
        self.capacity = capacity
        self.byteBudget = byteBudget
    }

    subscript(requestID: Int64) -> Entry? {
        state.withLock { $0.entries[requestID] }
    }

    func insert(_ entry: Entry, for requestID: Int64) {
        state.withLock { state in
            if let replaced = state.entries.updateValue(entry, forKey: requestID) {
                state.bytes -= replaced.webhook.body.count
            } else {
                state.order.append(requestID)
            }
            state.bytes += entry.webhook.body.count
            while state.order.count > capacity || (state.bytes > byteBudget && state.order.count > 1) {
                let oldest = state.order.removeFirst()
                state.bytes -= state.entries.removeValue(forKey: oldest)?.webhook.body.count ?? 0
            }
        }
    }
}
