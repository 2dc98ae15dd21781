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

    /// Starts `n` waits of up to 30 s, each counting itself in `woken` when it ends.
    private func waits(_ n: Int, on signal: WorkSignal, woken: Count) -> [Task<Void, Never>] {
        (0..<n).map { _ in
            Task {
                await signal.wait(upTo: .seconds(30))
                woken.value.withLock { $0 += 1 }
            }
        }
    }

    /// Gives the waits time to register (or a woken one time to end).
    private func settle() async throws { try await Task.sleep(for: .milliseconds(200)) }

    @Test func wakesOnlyAsManyLoopsAsAsked() async throws {
        let signal = WorkSignal()
        let woken = Count()
        let tasks = waits(3, on: signal, woken: woken)
        try await settle()
        signal.signal(waking: 1)
        try await settle()
        #expect(woken.load() == 1)
        signal.signal(waking: 0)
        try await settle()
        #expect(woken.load() == 1)
        signal.signal()
        for task in tasks { await task.value }
        #expect(woken.load() == 3)
    }

    @Test func askingForMoreThanAreWaitingWakesThemAll() async throws {
        let signal = WorkSignal()
        let woken = Count()
        let tasks = waits(2, on: signal, woken: woken)
        try await settle()
        signal.signal(waking: 5)
        for task in tasks { await task.value }
        #expect(woken.load() == 2)
    }
}
