import BridgeCore
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One built-in sandbox per state file: the first `--sandbox` process on it (serve or import) runs the sandbox
/// and owns the file (an exclusive lock on `FILE.lock`, held until it stops or dies); a second one delivers to
/// that sandbox instead of running its own, so the profiles are never split between two sandboxes nor one
/// file written by two processes. The owner publishes where its sandbox listens in `FILE.owner`.
public final class SandboxOwnership: Sendable {
    /// Where the owner's sandbox listens, and the credentials it accepts (the sandbox's own, not secrets).
    public struct Owner: Sendable, Equatable {
        public var baseURL: String
        public var websiteID: String
        public var identifier: String
        public var key: String
        public var pid: Int32

        public init(baseURL: String, websiteID: String, identifier: String, key: String, pid: Int32) {
            self.baseURL = baseURL
            self.websiteID = websiteID
            self.identifier = identifier
            self.key = key
            self.pid = pid
        }
    }

    public enum Claim: Sendable {
        /// This process owns the state file: run the sandbox, then `publish` where it listens.
        case owner(SandboxOwnership)
        /// Another process owns it and runs a sandbox there.
        case joined(Owner)
    }

    /// The sandbox's state file this process owns.
    public let stateFile: String
    private let descriptor: Mutex<Int32>

    private init(stateFile: String, descriptor: Int32) {
        self.stateFile = stateFile
        self.descriptor = Mutex(descriptor)
    }

    /// Owns `stateFile`, or finds the process that does (waiting up to `wait` for it to say where its sandbox
    /// listens: it may be starting).
    public static func claim(_ stateFile: String, wait: Duration = .seconds(10)) async throws(Bridge.StartupError)
        -> Claim
    {
        let folder = (stateFile as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let lockPath = stateFile + ".lock"
        let deadline = ContinuousClock.now + wait
        while true {
            let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw Bridge.StartupError(
                    description:
                        "cannot create the sandbox's lock file \(lockPath): \(String(cString: strerror(errno)))")
            }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                try? FileManager.default.removeItem(atPath: stateFile + ".owner")
                return .owner(SandboxOwnership(stateFile: stateFile, descriptor: fd))
            }
            close(fd)
            // The owner says where it listens once it does; an owner that died left the lock free (tried again).
            if let owner = readOwner(stateFile), owner.pid <= 0 || kill(owner.pid, 0) == 0 { return .joined(owner) }
            guard ContinuousClock.now < deadline, !Task.isCancelled else { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        throw Bridge.StartupError(
            description:
                "another crisp-bridge runs the built-in sandbox of \(stateFile) (it holds \(lockPath)) but has not said where it listens (\(stateFile).owner): wait for it to start, or give this one --sandbox-state FILE"
        )
    }

    /// Says where this owner's sandbox listens, for the processes that join it.
    public func publish(_ owner: Owner) {
        let text = JSONValue.object([
            "base_url": .string(owner.baseURL), "website_id": .string(owner.websiteID),
            "identifier": .string(owner.identifier), "key": .string(owner.key), "pid": .number(Double(owner.pid)),
        ]).jsonText
        try? Data(text.utf8).write(to: URL(fileURLWithPath: stateFile + ".owner"), options: .atomic)
    }

    /// Stops telling other processes where the sandbox listens (before it stops: none joins a closing one).
    public func withdraw() {
        try? FileManager.default.removeItem(atPath: stateFile + ".owner")
    }

    /// Gives the state file up (the sandbox stopped): the next `--sandbox` process runs its own.
    public func release() {
        descriptor.withLock { fd in
            guard fd >= 0 else { return }
            try? FileManager.default.removeItem(atPath: stateFile + ".owner")
            close(fd)
            fd = -1
        }
    }

    deinit { release() }

    private static func readOwner(_ stateFile: String) -> Owner? {
        guard let data = FileManager.default.contents(atPath: stateFile + ".owner"),
            let json = try? JSONValue.parse(data), let url = json["base_url"].stringValue,
            let website = json["website_id"].stringValue, let identifier = json["identifier"].stringValue,
            let key = json["key"].stringValue
        else { return nil }
        return Owner(
            baseURL: url, websiteID: website, identifier: identifier, key: key,
            pid: Int32(json["pid"].numberValue ?? 0))
    }
}
