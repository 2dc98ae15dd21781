import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Notices when the database file a store has open can no longer be trusted with writes:
/// - it is no longer the file at its path (deleted, renamed over, or hidden by an unmounted volume's empty
///   folder): writes would go to an unlinked file and be lost at the next restart;
/// - its header was overwritten in place (the first 24 bytes of SQLite's header never change once the
///   database is in WAL mode: magic string, page size, file format versions, reserved space, payload
///   fractions): the next start would refuse it as malformed.
///
/// The path is looked at (one `stat`) at most once per `interval`, or at once when asked (`looking`: after
/// each group commit of intake, so no request written to a lost file is acknowledged, and for readiness
/// probes), with the header read through SQLite's own file handle when one is given (closing a descriptor of
/// our own would drop the process's locks on the file). Once a problem is seen, it stays for this process.
final class StoreFileWatch: Sendable {
    private struct Identity: Equatable {
        let device: UInt64
        let inode: UInt64
    }

    private struct State {
        var checkedAt: ContinuousClock.Instant
        var problem: String?
        /// The header bytes that must not change: as read at open, or at the first look after it (a new
        /// database's file stays empty until the WAL's first checkpoint).
        var header: [UInt8]?
    }

    let path: String
    private let identity: Identity?
    private let interval: Duration
    private let state: Mutex<State>

    /// Remembers which file is at `path` now and its `header` (`stableHeader`, read right after opening).
    init(path: String, header: [UInt8]?, interval: Duration = .seconds(1)) {
        self.path = path
        self.identity = Self.identity(of: path)
        self.interval = interval
        self.state = Mutex(State(checkedAt: .now, problem: nil, header: header))
    }

    /// Why the store cannot be trusted with writes, or nil while the file at the path is the one open.
    var problem: String? { problem(looking: false) }

    /// ``problem``, looking at the path now whatever the interval, and — when `readHeader` — comparing
    /// `header` (read just now through a connection; nil when it could not be read) with the one at open.
    func problem(looking: Bool, readHeader: Bool = false, header current: [UInt8]? = nil) -> String? {
        guard let identity else { return nil }
        let now = ContinuousClock.now
        return state.withLock { state in
            if state.header == nil { state.header = current }
            if state.problem == nil, readHeader, let header = state.header, current != header {
                state.problem =
                    current == nil
                    ? "the store file \(path) lost its SQLite header while serve had it open (truncated?); \(Self.recovery(path))"
                    : "the store file \(path) was overwritten in place (its SQLite header changed while serve had it open); \(Self.recovery(path))"
            }
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

    /// What to do with a damaged store file.
    static func recovery(_ path: String) -> String {
        "stop every crisp-bridge using it and keep a copy of it (with its -wal file); then restore a backup, or recover what is readable: `sqlite3 \(path) .recover | sqlite3 \(path).recovered` (it reads past damaged pages, not a destroyed first page: then only a backup helps) and start with --store sqlite:\(path).recovered (the events acknowledged but not delivered that it holds are delivered then)"
    }

    private static func identity(of path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// The header bytes of the main database file that never change while it is in WAL mode, read through
    /// `db`'s own file handle (not the WAL): bytes 0–23 (magic, page size, write and read versions, reserved
    /// space, payload fractions) and 68–71, the application id a store is given when it is created (so a copy
    /// of another store written over this one is told apart; the schema format and encoding in between are zero
    /// until the first checkpoint). Nil when it cannot be read (an empty or truncated file).
    static func stableHeader(_ db: Database) -> [UInt8]? {
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK,
            let file, let read = file.pointee.pMethods?.pointee.xRead
        else { return nil }
        var bytes = [UInt8](repeating: 0, count: 72)
        guard bytes.withUnsafeMutableBytes({ read(file, $0.baseAddress, 72, 0) }) == SQLITE_OK else { return nil }
        return Array(bytes[0..<24] + bytes[68..<72])
    }
}
