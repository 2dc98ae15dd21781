import Foundation
import Synchronization

/// Wakes idle worker loops when work arrives, instead of each asking the store every 100 ms: intake signals
/// after it stored new events (and a PostgreSQL notification does, for work another instance took in). A loop
/// waits for a signal or its slow-poll interval (retries coming due), whichever comes first.
public final class WorkSignal: Sendable {
    private struct Waiters {
        var continuations: [UUID: CheckedContinuation<Void, Never>] = [:]
        /// Waits that ended before their continuation was registered.
        var ended: Set<UUID> = []
    }

    private let waiters = Mutex(Waiters())

    public init() {}

    /// How many loops are waiting now.
    var waiting: Int { waiters.withLock { $0.continuations.count } }

    /// Wakes up to `count` of the loops waiting now (all of them by default). Intake wakes one loop per new
    /// event: a loop that finds work keeps claiming until none is due, so waking every loop for each request
    /// only had the rest ask the store for nothing.
    public func signal(waking count: Int = .max) {
        guard count > 0 else { return }
        let woken = waiters.withLock { state in
            guard count < state.continuations.count else {
                defer { state.continuations.removeAll() }
                return Array(state.continuations.values)
            }
            let chosen = Array(state.continuations.keys.prefix(count))
            return chosen.compactMap { state.continuations.removeValue(forKey: $0) }
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns at the next signal, or after `timeout`, or when the task is cancelled.
    public func wait(upTo timeout: Duration) async {
        let id = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.end(id)
            }
            group.addTask {
                await withCheckedContinuation { continuation in
                    let endedAlready = self.waiters.withLock { state in
                        if state.ended.remove(id) != nil { return true }
                        state.continuations[id] = continuation
                        return false
                    }
                    if endedAlready { continuation.resume() }
                }
            }
            await group.next()
            group.cancelAll()
            end(id)
            await group.waitForAll()
        }
        waiters.withLock { _ = $0.ended.remove(id) }
    }

    /// Ends one wait: resumes its continuation, or remembers that it ended if it is not registered yet.
    private func end(_ id: UUID) {
        let continuation = waiters.withLock { state -> CheckedContinuation<Void, Never>? in
            if let c = state.continuations.removeValue(forKey: id) { return c }
            state.ended.insert(id)
            return nil
        }
        continuation?.resume()
    }
}
