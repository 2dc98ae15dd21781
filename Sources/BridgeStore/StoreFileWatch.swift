import Foundation
import Synchronization

/// Notices when the database file a store has open is no longer the file at its path (deleted, or replaced
/// by an unmounted volume's empty folder or a wrong clean-up): writes would go to an unlinked file and be lost
/// at the next restart. The path is looked at (one `stat`) at most once per `interval`; once gone, it stays
/// gone for this process.
final class StoreFileWatch: Sendable {
    private struct Identity: Equatable {
        let device: UInt64
        let inode: UInt64
    }

    private struct State {
        var checkedAt: ContinuousClock.Instant
        var problem: String?
    }

    let path: String
    private let identity: Identity?
    private let interval: Duration
    private let state: Mutex<State>

    /// Remembers which file is at `path` now (call it right after opening the database).
    init(path: String, interval: Duration = .seconds(1)) {
        self.path = path
        self.identity = Self.identity(of: path)
        self.interval = interval
        self.state = Mutex(State(checkedAt: .now, problem: nil))
    }

    /// Why the store cannot be trusted with writes, or nil while the file at the path is the one open.
    var problem: String? { problem(looking: false) }

    /// ``problem``, looking at the path now whatever the interval (for readiness probes, which are rare).
    func problem(looking: Bool) -> String? {
        guard let identity else { return nil }
        let now = ContinuousClock.now
        return state.withLock { state in
            if state.problem == nil, looking || now - state.checkedAt >= interval {
                state.checkedAt = now
                switch Self.identity(of: path) {
                case nil:
                    state.problem =
                        "the store file \(path) was deleted while serve had it open; nothing written now would survive a restart: restore the file or its volume and restart serve"
                case let current? where current != identity:
                    state.problem =
                        "the store file \(path) was replaced by another file while serve had it open; restart serve to use the new one"
                default: break
                }
            }
            return state.problem
        }
    }

    private static func identity(of path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}
