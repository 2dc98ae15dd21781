import Foundation
import Synchronization
import Testing

@testable import BridgeRuntime

/// Idle worker loops wake on a signal: as many as asked (one per new event from intake), or all.
@Suite struct WorkSignalTests {
    /// How many waits have ended.
    final class Count: Sendable {
        let value = Mutex(0)
        func load() -> Int { value.withLock { $0 } }
    }

    /// Starts `n` waits of up to 60 s, each counting itself in `woken` when it ends, and returns once all of
    /// them are registered as waiting.
    private func waits(_ n: Int, on signal: WorkSignal, woken: Count) async throws -> [Task<Void, Never>] {
        let tasks = (0..<n).map { _ in
            Task {
                await signal.wait(upTo: .seconds(60))
                woken.value.withLock { $0 += 1 }
            }
        }
        try await until { signal.waiting == n }
        return tasks
    }

    /// Polls `condition` for up to 30 s (a loaded machine is slow to start tasks).
    private func until(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func wakesOnlyAsManyLoopsAsAsked() async throws {
        let signal = WorkSignal()
        let woken = Count()
        let tasks = try await waits(3, on: signal, woken: woken)
        #expect(signal.waiting == 3)
        signal.signal(waking: 1)
        #expect(signal.waiting == 2)
        try await until { woken.load() == 1 }
        #expect(woken.load() == 1)
        signal.signal(waking: 0)
        #expect(signal.waiting == 2)
        signal.signal()
        #expect(signal.waiting == 0)
        for task in tasks { await task.value }
        #expect(woken.load() == 3)
    }

    @Test func askingForMoreThanAreWaitingWakesThemAll() async throws {
        let signal = WorkSignal()
        let woken = Count()
        let tasks = try await waits(2, on: signal, woken: woken)
        signal.signal(waking: 5)
        #expect(signal.waiting == 0)
        for task in tasks { await task.value }
        #expect(woken.load() == 2)
    }
}
