import BridgeCore
import BridgeStore
import Foundation
import Logging
import ServiceLifecycle

/// Polls every `trigger.poll` pipeline on its schedule, each in its own task, and wakes the delivery workers
/// when a poll stored new events. With several instances on one store, the store's poll lease lets one of them
/// poll a given pipeline at a time; the others look again when it is due.
///
/// It follows the catalog: after a reload, a poll pipeline that changed is polled by its new version (the old
/// version's task is stopped and awaited first, so the two never poll at once), a removed one stops, a new one
/// starts.
struct PollScheduler: Service, CustomStringConvertible {
    let catalog: PipelineCatalog
    /// The poller of a poll pipeline, or nil when it is not polled here (e.g. its credentials are unset).
    let makePoller: @Sendable (Pipeline) -> Poller?
    let signal: WorkSignal
    let logger: Logger
    /// The time polls fall due by.
    var clock: any BridgeClock = SystemClock()

    var description: String { "PollScheduler" }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var running: [String: (version: String, environment: Int, task: Task<Void, Never>)] = [:]
            var notPolled: Set<String> = []  // name@version: said once why it is not polled
            var generations = catalog.generations.makeAsyncIterator()
            repeat {
                let wanted = catalog.current.pipelines.values.filter { $0.trigger.poll != nil }
                let names = Set(wanted.map(\.name))
                let environmentVersion = catalog.current.environmentVersion
                for (name, entry) in running
                where !names.contains(name) || wanted.first(where: { $0.name == name })?.version != entry.version
                    || entry.environment != environmentVersion
                {
                    entry.task.cancel()
                    await entry.task.value
                    running[name] = nil
                    logger.info(
                        "stopped polling \(name) (the reload \(names.contains(name) ? "changed" : "removed") it)")
                }
                for pipeline in wanted.sorted(by: { $0.name < $1.name }) where running[pipeline.name] == nil {
                    let key = "\(pipeline.name)@\(pipeline.version)#\(environmentVersion)"
                    guard !notPolled.contains(key) else { continue }
                    guard let poller = makePoller(pipeline) else {
                        notPolled.insert(key)
                        continue
                    }
                    let poll = pipeline.trigger.poll
                    logger.info(
                        "polling \(pipeline.name) every \(Int(min(poll?.every ?? 0, 1e9))) s (\(poll?.requestSummary ?? ""))"
                    )
                    running[pipeline.name] = (pipeline.version, environmentVersion, Task { await loop(poller) })
                }
            } while await generations.next() != nil  // nil once shutdown cancels this
            for entry in running.values { entry.task.cancel() }
            for entry in running.values { await entry.task.value }
        }
    }

    private func loop(_ poller: Poller) async {
        var failures = 0
        while !Task.isCancelled {
            var wake = clock.now().addingTimeInterval(5)
            do {
                let (report, next) = try await poller.pollIfDue()
                if let report, report.stored.contains(where: { !$0.duplicate }) { signal.signal() }
                wake = next
                failures = 0
            } catch {
                failures += 1
                if failures == 1 || failures % 20 == 0 {
                    logger.error("poll \(poller.pipeline.name): the store failed (\(failures) in a row): \(error)")
                }
            }
            // Look again when due, and every 30 s at most (another instance may have moved the schedule).
            let seconds = min(max(wake.timeIntervalSince(clock.now()), 0.2), 30)
            try? await Task.sleep(for: .seconds(seconds))
        }
    }
}
