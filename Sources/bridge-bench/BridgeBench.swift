import ArgumentParser

/// `bridge-bench`: the transform benchmarks that run inside one process (`scripts/bench` runs them, and the
/// benchmarks that need servers, and prints the table).
@main
struct BridgeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bridge-bench",
        abstract:
            "Transform benchmarks: the per-event path against hand-written Swift, and a batch through the library.",
        subcommands: [PerEvent.self, Batch.self],
        defaultSubcommand: PerEvent.self)
}
