import BridgeCore
import BridgeStore
import Foundation
import Testing

/// The SQLite store notices a file damaged under it: truncated, or overwritten by a copy of another store
/// (same inode, the same first 24 header bytes as any store: told apart by the application id each store gets).
@Suite struct StoreFileWatchTests {
    func makeStore() throws -> (SQLiteBridgeStore, String) {
        let folder = NSTemporaryDirectory() + "crisp-bridge-watch-" + UUID().uuidString
        return (try SQLiteBridgeStore(path: folder + "/bridge.sqlite"), folder)
    }

    @Test func aTruncatedFileFailsReadiness() async throws {
        let (store, folder) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await store.ping()
        #expect(truncate(store.path, 10) == 0)
        await #expect { try await store.ping() } throws: { "\($0)".contains("lost its SQLite header") }
    }

    @Test func aCopyOfAnotherStoreWrittenOverThisOneIsNoticed() async throws {
        let (store, folder) = try makeStore()
        let (other, otherFolder) = try makeStore()
        defer {
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: otherFolder)
        }
        try await store.ping()
        try await other.ping()
        // `cp other.sqlite bridge.sqlite`: the same inode, another store's bytes.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: other.path))
        let handle = try #require(FileHandle(forWritingAtPath: store.path))
        try handle.write(contentsOf: bytes.prefix(4096))
        try handle.close()
        await #expect { try await store.ping() } throws: { "\($0)".contains("overwritten in place") }
    }
}
