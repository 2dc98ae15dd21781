import Foundation
import Synchronization

/// Slows down guessing the console's tokens: after `limit` failed logins from one address within `window`,
/// further attempts from it are refused until the window has passed since the first of them; and all addresses
/// together get at most `globalLimit` failures per window (an attacker with many addresses).
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

    /// How long `address` must wait before trying again (nil: it may try now).
    func wait(for address: String, now: Date) -> TimeInterval? {
        state.withLock { state in
            state.all.removeAll { now.timeIntervalSince($0) >= window }
            let mine = (state.failures[address] ?? []).filter { now.timeIntervalSince($0) < window }
            state.failures[address] = mine.isEmpty ? nil : mine
            if mine.count >= limit, let first = mine.first { return window - now.timeIntervalSince(first) }
            if state.all.count >= globalLimit, let first = state.all.first {
                return window - now.timeIntervalSince(first)
            }
            return nil
        }
    }

    /// Counts a failed login from `address`.
    func failed(_ address: String, now: Date) {
        state.withLock { state in
            state.failures[address, default: []].append(now)
            state.all.append(now)
            // Bounded however many addresses try.
            if state.failures.count > 10_000 { state.failures.removeAll() }
        }
    }
}
