import Foundation

/// A per-conversation limit on crisp-bridge's writes: at most `limit` writes (a meta PATCH that changed
/// something, a note posted) per session in a sliding `window`. Writing to a conversation makes Crisp send more
/// web hooks; a pipeline that acts on them and writes a changing value (a timestamp, a counter) would loop
/// forever. Past the limit, operations for that session fail for good (dead, with a reason that names the guard,
/// and replayable) instead of writing again. Reads, and writes that change nothing, are not counted.
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

    /// Whether one more write to `session` is allowed now.
    func allows(_ session: String, now: Date) -> Bool {
        guard limit > 0 else { return true }
        let recent = (writes[session] ?? []).filter { now.timeIntervalSince($0) < window }
        writes[session] = recent.isEmpty ? nil : recent
        return recent.count < limit
    }

    /// Counts a write to `session` that happened.
    func record(_ session: String, now: Date) {
        guard limit > 0 else { return }
        writes[session, default: []].append(now)
        if writes.count > 10_000 {
            writes = writes.filter { $0.value.last.map { now.timeIntervalSince($0) < window } ?? false }
        }
    }
}
