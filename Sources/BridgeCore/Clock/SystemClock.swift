import Foundation

/// The machine's clock: what `serve`, `import` and `poll` run on.
public struct SystemClock: BridgeClock {
    public init() {}

    public func now() -> Date { Date() }
}
