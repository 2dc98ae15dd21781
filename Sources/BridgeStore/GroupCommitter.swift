/// Batches concurrent writes into one transaction: while one commit runs, new items queue up and go
/// together in the next. Under load, many accepted requests share one fsync; alone, an item commits at once.
/// When a batch fails, its items are committed one by one, so one item that cannot be stored fails alone and
/// its neighbours are stored.
actor GroupCommitter<Item: Sendable, Output: Sendable> {
    private var queue: [(Item, CheckedContinuation<Output, any Error>)] = []
    private var draining = false
    private let commit: @Sendable ([Item]) async throws -> [Output]

    init(commit: @escaping @Sendable ([Item]) async throws -> [Output]) {
        self.commit = commit
    }

    func submit(_ item: Item) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            queue.append((item, continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    /// Commits, making sure there is one output per item (so every waiting caller is answered).
    private func commitChecked(_ items: [Item]) async throws -> [Output] {
        let outputs = try await commit(items)
        guard outputs.count == items.count else { throw MismatchedOutputs() }
        return outputs
    }

    struct MismatchedOutputs: Error {}

    private func drain() async {
        while !queue.isEmpty {
            let batch = queue
            queue = []
            do {
                let outputs = try await commitChecked(batch.map(\.0))
                for (entry, output) in zip(batch, outputs) { entry.1.resume(returning: output) }
            } catch  where batch.count > 1 {
                for entry in batch {
                    do {
                        entry.1.resume(returning: try await commitChecked([entry.0])[0])
                    } catch {
                        entry.1.resume(throwing: error)
                    }
                }
            } catch {
                batch[0].1.resume(throwing: error)
            }
        }
        draining = false
    }
}
