import Foundation
import Synchronization

/// Slows down guessing the console's tokens: after `limit` failed logins from one address within `window`,
/// further attempts from it are refused until the window has passed since the first of them; and all addresses
/// together get at most `globalLimit` failures per window (an attacker with many addresses). An attempt counts
/// as a failure from the moment it is checked (`begin`) until it succeeds (`succeeded`), so attempts sent in
/// parallel cannot all pass the check before any of them is counted.
final class LoginThrottle: Sendable {
    private struct State {
        var failures: [String: [Date]] = [:]
        var all: [Date] = []
    }

    let limit: Int
    let globalLimit: Int
    let window: TimeInterval
    private let state = Mutex(State())

    init(limit: Int = 5, globalLimit: Int = 100, window: TimeInterval = 60) {
        self.limit = limit
        self.globalLimit = globalLimit
        self.window = window
    }

    /// Starts an attempt from `address`: nil when it may go on (it is counted as a failure until `succeeded`),
    /// else how long it must wait. The second value says whether this is its address's first failure in the
    /// window (the audit log records only that one).
    func begin(_ address: String, now: Date) -> (wait: TimeInterval?, first: Bool) {
        state.withLock { state in
            state.all.removeAll { now.timeIntervalSince($0) >= window }
            let mine = (state.failures[address] ?? []).filter { now.timeIntervalSince($0) < window }
            if mine.count >= limit, let first = mine.first {
                state.failures[address] = mine
                return (window - now.timeIntervalSince(first), false)
            }
            if state.all.count >= globalLimit, let first = state.all.first {
                return (window - now.timeIntervalSince(first), false)
            }
            state.failures[address] = mine + [now]
            state.all.append(now)
            // Bounded however many addresses try: the expired ones go first.
            if state.failures.count > 10_000 {
                state.failures = state.failures.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
            }
            return (nil, mine.isEmpty)
        }
    }

    /// The attempt begun at `at` from `address` succeeded: it is not a failure.
    func succeeded(_ address: String, at: Date) {
        state.withLock { state in
            if let index = state.failures[address]?.lastIndex(of: at) { state.failures[address]?.remove(at: index) }
            if let index = state.all.lastIndex(of: at) { state.all.remove(at: index) }
        }
    }
}
