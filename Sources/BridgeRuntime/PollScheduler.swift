import BridgeCore
import BridgeStore
import Foundation
import Logging
import ServiceLifecycle

/// Polls every `trigger.poll` pipeline on its schedule, each in its own task, and wakes the delivery workers
/// when a poll stored new events. With several instances on one store, the store's poll lease lets one of them
/// poll a given pipeline at a time; the others look again when it is due.
struct PollScheduler: Service, CustomStringConvertible {
    let pollers: [Poller]
    let signal: WorkSignal
    let logger: Logger

    var description: String { "PollScheduler(\(pollers.count) pipeline(s))" }

    func run() async throws {
        guard !pollers.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        for poller in pollers {
            let poll = poller.pipeline.trigger.poll
            logger.info(
                "polling \(poller.pipeline.name) every \(Int(min(poll?.every ?? 0, 1e9))) s (\(poll?.requestSummary ?? ""))"
            )
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for poller in pollers { group.addTask { await loop(poller) } }
            }
        }
    }

    private func loop(_ poller: Poller) async {
        var failures = 0
        while !Task.isCancelled {
            var wake = Date().addingTimeInterval(5)
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
            let seconds = min(max(wake.timeIntervalSinceNow, 0.2), 30)
            try? await Task.sleep(for: .seconds(seconds))
        }
    }
}
