import Foundation
import Synchronization
import Testing

@testable import BridgeStore

@Suite struct GroupCommitterTests {
    struct Refused: Error {}

    /// Counts the commits (transactions) it is asked for.
    final class Commits: Sendable {
        let batches = Mutex<[[String]]>([])
    }

    @Test func oneItemThatCannotBeStoredFailsAloneAndItsNeighboursAreStored() async throws {
        let commits = Commits()
        let committer = GroupCommitter<String, String> { items in
            commits.batches.withLock { $0.append(items) }
            try await Task.sleep(for: .milliseconds(20))  // while it commits, the others queue up into one batch
            if items.contains("bad") { throw Refused() }
            return items.map { "stored \($0)" }
        }
        let results = await withTaskGroup(of: (String, Bool).self) { group in
            let names = ["first"] + (0..<9).map { "item-\($0)" } + ["bad"]
            for name in names {
                group.addTask {
                    do {
                        return (name, try await committer.submit(name) == "stored \(name)")
                    } catch {
                        return (name, false)
                    }
                }
                if name == "first" { try? await Task.sleep(for: .milliseconds(5)) }
            }
            var out: [String: Bool] = [:]
            for await (name, ok) in group { out[name] = ok }
            return out
        }
        #expect(results.count == 11)
        #expect(results.filter { $0.value }.count == 10, "\(results)")
        #expect(results["bad"] == false)
        let batches = commits.batches.withLock { $0 }
        #expect(
            batches.contains { $0.count > 1 && $0.contains("bad") }, "the bad item was batched with others: \(batches)")
        #expect(batches.contains { $0 == ["bad"] }, "then committed alone")
    }
}
