import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension SQLiteBridgeStore {
    /// Makes this process the one `serve` of the file: an exclusive lock on `PATH.lock`, held until the process
    /// ends (a crash releases it too), refused while another `serve` holds it. Since no other worker can hold
    /// a lease then, the leases a dead predecessor left are released at once: its events resume now instead of
    /// after the lease. Returns how many were released.
    public func takeOwnership() throws(BridgeStoreError) -> Int {
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BridgeStoreError("cannot create the lock file \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw BridgeStoreError(
                "another crisp-bridge serve is using the store \(path) (it holds \(lockPath)); stop it first, or give this one its own --store"
            )
        }
        ownership.withLock { $0 = fd }  // kept open: the lock lives as long as the process
        return (try? releaseLeases()) ?? 0
    }
}
