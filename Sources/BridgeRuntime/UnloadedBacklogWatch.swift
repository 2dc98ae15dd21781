import BridgeStore
import Logging
import ServiceLifecycle

/// Says when the store holds pending events of pipelines this instance has not loaded: it never claims them
/// (an `import` with its own pipeline, or another instance with other files, delivers them), so an operator
/// should know they wait for someone else. Logged when what waits changes, not on every look.
struct UnloadedBacklogWatch: Service, CustomStringConvertible {
    let store: any EventHistory
    let catalog: PipelineCatalog
    let interval: Duration
    let logger: Logger

    var description: String { "UnloadedBacklogWatch(every: \(interval))" }

    /// The notice for `pending` (by pipeline) when some are of pipelines not in `loaded`; nil when none is.
    static func notice(pending: [String: Int], loaded: Set<String>) -> String? {
        let elsewhere = pending.filter { !loaded.contains($0.key) && $0.value > 0 }.sorted { $0.key < $1.key }
        guard !elsewhere.isEmpty else { return nil }
        let list = elsewhere.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
        return
            "\(elsewhere.reduce(0) { $0 + $1.value }) pending event(s) of pipeline(s) not loaded here: \(list); they are left for a crisp-bridge that has them (an import, another instance), or add the pipeline here"
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var last: String?
            try await Task.sleep(for: .seconds(2))
            while !Task.isCancelled {
                if let pending = try? await store.pendingByPipeline() {
                    let notice = Self.notice(pending: pending, loaded: Set(catalog.current.names))
                    if let notice, notice != last { logger.notice("\(notice)") }
                    last = notice
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
