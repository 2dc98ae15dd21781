import BridgeCore
import Synchronization

/// The requests the worker read and parsed lately, by stored request id: the events of a batch are claimed
/// close together, so a request of N events is read from the store, parsed and split once, not N times.
final class ParsedRequestCache: Sendable {
    struct Entry: Sendable {
        let webhook: WebhookRequest
        let accepted: AcceptedRequest
        /// The version of the pipeline that split it (after a reload, the new version splits it again).
        let version: String
    }

    private let capacity: Int
    private let state = Mutex<(entries: [Int64: Entry], order: [Int64])>(([:], []))

    init(capacity: Int = 32) {
        self.capacity = capacity
    }

    subscript(requestID: Int64) -> Entry? {
        state.withLock { $0.entries[requestID] }
    }

    func insert(_ entry: Entry, for requestID: Int64) {
        state.withLock { state in
            if state.entries.updateValue(entry, forKey: requestID) == nil { state.order.append(requestID) }
            while state.order.count > capacity {
                state.entries[state.order.removeFirst()] = nil
            }
        }
    }
}
