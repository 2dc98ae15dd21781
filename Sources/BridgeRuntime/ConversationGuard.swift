import Foundation

/// A per-conversation limit on crisp-bridge's writes: at most `limit` conversation operations per session in a
/// sliding `window`. Writing to a conversation makes Crisp send more web hooks; a pipeline that acts on them and
/// writes a changing value (a timestamp, a counter) would loop forever. Past the limit, operations for that
/// session fail for good (dead, with a reason that names the guard, and replayable) instead of writing again.
///
/// Kept per process: with several instances the bound is per instance.
actor ConversationGuard {
    let limit: Int
    let window: TimeInterval
    private var writes: [String: [Date]] = [:]

    /// `limit` 0 turns the guard off.
    init(limit: Int, window: TimeInterval = 600) {
        self.limit = limit
        self.window = window
    }

    /// Whether one more write to `session` is allowed now; counts it when it is.
    func admit(_ session: String, now: Date = Date()) -> Bool {
        guard limit > 0 else { return true }
        let recent = (writes[session] ?? []).filter { now.timeIntervalSince($0) < window }
        guard recent.count < limit else {
            writes[session] = recent
            return false
        }
        writes[session] = recent + [now]
        if writes.count > 10_000 {
            writes = writes.filter { !$0.value.isEmpty && now.timeIntervalSince($0.value.last!) < window }
        }
        return true
    }
}
