import Foundation

/// Timing helpers of the benchmarks.
enum Measurement {
    /// Runs `body` (which handles `eventsPerCall` events) repeatedly for about `seconds`; returns events per second.
    nonisolated static func rate(seconds: Double, eventsPerCall: Int, _ body: () async -> Void) async -> Double {
        let clock = ContinuousClock()
        var calls = 0
        let start = clock.now
        let limit = Duration.milliseconds(Int(seconds * 1000))
        while clock.now - start < limit {
            for _ in 0..<50 { await body() }
            calls += 50
        }
        return Double(calls * eventsPerCall) / (clock.now - start).seconds
    }

    /// The median of `values` (the upper one of an even count).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    /// The peak resident set of this process so far, in bytes.
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
