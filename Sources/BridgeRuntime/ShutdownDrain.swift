import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The first step of a shutdown, as load balancers and Kubernetes expect it: once SIGTERM (or SIGINT) arrives,
/// `/readyz` answers 503 at once (`draining`), while the listener keeps accepting for `delay` seconds so that
/// the balancer sees the instance go before it stops answering; then this service ends, and the service group
/// shuts the HTTP server down next (it stops accepting), then the other services, the delivery worker last.
///
/// Registered last in the group, so that it is the first to be shut down.
struct ShutdownDrain: Service, CustomStringConvertible {
    /// Whether a shutdown began (`/readyz` answers 503 from then on).
    final class State: Sendable {
        private let flag = Atomic<Bool>(false)
        var draining: Bool { flag.load(ordering: .relaxed) }
        func begin() { flag.store(true, ordering: .relaxed) }
    }

    let state: State
    let delay: TimeInterval
    let shutdownTimeout: TimeInterval
    /// For `serve`'s process: once the drain, the shutdown timeout and `grace` have passed, the process ends
    /// whatever still runs (a call to an unreachable store that does not heed cancellation): every acknowledged
    /// event is in the store, and what was cut short stays pending for its lease. Off in-process (tests).
    var exitAfter: TimeInterval? = nil
    let logger: Logger

    /// What a stop may take past the drain and the shutdown timeout before the process ends anyway.
    static let grace: TimeInterval = 5

    var description: String { "ShutdownDrain(\(delay) s)" }

    func run() async throws {
        // Suspends until the group shuts down (gracefully, or cancelled: then there is nothing to drain).
        do {
            try await gracefulShutdown()
        } catch {
            return
        }
        state.begin()
        if let exitAfter { Self.exit(after: exitAfter, logger: logger) }
        logger.notice(
            "shutting down: /readyz answers 503; requests are still accepted for \(Self.seconds(delay)), then in-flight deliveries get up to \(Self.seconds(shutdownTimeout)) to finish (the rest stay pending for their lease)"
        )
        if delay > 0 { try? await Task.sleep(for: .milliseconds(Int64((delay * 1000).rounded()))) }
        logger.notice("no longer accepting requests")
    }

    /// Ends the process after `seconds`, from a thread of its own (so that nothing the stop waits for can hold
    /// it up).
    static func exit(after seconds: TimeInterval, logger: Logger) {
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: seconds)
            logger.warning(
                "the stop took more than \(Self.seconds(seconds)); ending the process (what was cut short stays pending for its lease)"
            )
            Foundation.exit(0)
        }
    }

    static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}
