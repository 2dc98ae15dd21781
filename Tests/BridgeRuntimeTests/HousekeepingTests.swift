import BridgeCore
import BridgeStore
import Foundation
import Logging
import Testing

@testable import BridgeRuntime

/// Retention: the store does not only grow.
@Suite struct HousekeepingTests {
    @Test func aPassRemovesWhatRetentionEndsInBatchesAndGivesTheSpaceBack() async throws {
        let folder = NSTemporaryDirectory() + "crisp-bridge-housekeeping-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try SQLiteBridgeStore(path: folder + "/bridge.sqlite")
        let t = Date(timeIntervalSince1970: 1_750_000_000)
        let body = String(repeating: "x", count: 2000)
        var ids: [Int64] = []
        for i in 0..<1200 {
            let accepted = try await store.accept(
                IncomingRequest(
                    pipeline: "p",
                    webhook: WebhookRequest(path: "/p", body: Data("{\"b\":\"\(body)\(i)\"}".utf8), receivedAt: t)),
                events: [.init(index: 0, dedupeID: "h\(i)")])
            ids.append(accepted[0].eventID)
        }
        for id in ids.prefix(1100) {
            try await store.finish(eventID: id, outcome: .delivered(operations: 1, unchanged: 0), at: t)
        }
        for id in ids.suffix(50) {
            try await store.finish(eventID: id, outcome: .dead(reason: "invalid_data", status: 400), at: t)
        }
        let before = try await store.stats()
        let fileSize = { (try? FileManager.default.attributesOfItem(atPath: store.path))?[.size] as? Int ?? 0 }
        _ = try? await store.reclaimSpace(pages: 1)  // (nothing freed yet)
        let fileBefore = fileSize()
        #expect(before.reclaim == "incremental", "a new store gives freed pages back")
        var configuration = Housekeeping.Configuration()
        configuration.batch = 100
        configuration.pause = .zero
        let housekeeping = Housekeeping(
            store: store, configuration: configuration, logger: Logger(label: "housekeeping-test"))
        // 10 days on: nothing is past 14 days yet.
        #expect(try await housekeeping.prunePass(now: t.addingTimeInterval(10 * 86_400)) == 0)
        // 15 days on: the delivered ones go (in 11 batches), the dead ones (30 days) and the pending ones stay.
        #expect(try await housekeeping.prunePass(now: t.addingTimeInterval(15 * 86_400)) == 1100)
        let after = try await store.stats()
        #expect(after.byStatus == [.pending: 50, .done: 0, .dead: 50], "\(after)")
        #expect(after.bytes != nil && before.bytes != nil)
        #expect(
            fileBefore > 1_000_000 && fileSize() < fileBefore / 2,
            "the file shrank: \(fileBefore) → \(fileSize()) bytes")
        #expect(try await housekeeping.prunePass(now: t.addingTimeInterval(31 * 86_400)) == 50)
    }
}
