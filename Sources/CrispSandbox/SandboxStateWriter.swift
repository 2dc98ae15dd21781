import Logging
import ServiceLifecycle

/// Writes a sandbox's profiles to its state file a moment after they change, and once more at shutdown.
struct SandboxStateWriter: Service, CustomStringConvertible {
    let state: SandboxState
    let interval: Duration
    let logger: Logger

    var description: String { "SandboxStateWriter(\(state.file ?? "memory"))" }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                save()
                try? await Task.sleep(for: interval)
            }
        }
        save()
    }

    private func save() {
        do {
            try state.saveIfChanged()
        } catch {
            logger.error("cannot write the sandbox state to \(state.file ?? ""): \(error)")
        }
    }
}
