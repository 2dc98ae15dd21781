import Synchronization

/// Values that a rule left out while an event was planned: a phone number not valid in its country, a country
/// name not known, an email address that is not one. A function gives `null` for such a value (never a guess),
/// and notes here why, so that the plan carries a warning instead of the value vanishing without a word.
///
/// One collector per planned event, reached through `DroppedValues.current` while the event is planned (a task
/// local: nothing is collected outside a plan). A note is taken at the failing call's offset in its
/// expression, and placed (file:line:col) when that expression's evaluation ends.
final class DroppedValues: Sendable {
    /// The collector of the event being planned, if any.
    @TaskLocal static var current: DroppedValues?

    private struct State {
        var unplaced: [(offset: Int, message: String)] = []
        var placed: [String] = []
    }

    private let state = Mutex(State())

    /// The warnings, each with its place, in the order the values were dropped.
    var warnings: [String] { state.withLock { $0.placed } }

    /// Notes a value dropped by the call at `offset` of the expression being evaluated.
    func note(_ message: String, offset: Int) {
        state.withLock { $0.unplaced.append((offset, message)) }
    }

    /// Places the notes of the expression that just ran (whose text starts at `origin`).
    func place(_ origin: ExpressionOrigin) {
        state.withLock { state in
            guard !state.unplaced.isEmpty else { return }
            for note in state.unplaced {
                let warning = "\(origin.location(at: note.offset)): \(note.message)"
                // The same value dropped twice by one expression (a retry of a lambda…) is said once.
                if !state.placed.contains(warning) { state.placed.append(warning) }
            }
            state.unplaced.removeAll()
        }
    }
}
