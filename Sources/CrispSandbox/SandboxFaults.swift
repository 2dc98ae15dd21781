import Synchronization

/// The draws behind the sandbox's injected faults, from one seed: the same seed gives the same sequence of
/// draws, so a run that failed can be run again with the faults it met (`sandbox --seed N`). Requests that
/// arrive in another order meet the draws in that order.
final class SandboxFaults: Sendable {
    /// The seed the draws come from, printed at start.
    let seed: UInt64
    private let state: Mutex<UInt64>

    init(seed: UInt64) {
        self.seed = seed
        state = Mutex(seed)
    }

    /// The next 64 random bits (SplitMix64).
    private func next() -> UInt64 {
        state.withLock { state in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// True with probability `share` (0…1); draws nothing when `share` is 0.
    func happens(_ share: Double) -> Bool {
        guard share > 0 else { return false }
        return Double(next() >> 11) / Double(1 << 53) < share
    }

    /// One of `0..<count`.
    func pick(_ count: Int) -> Int { Int(next() % UInt64(count)) }
}
