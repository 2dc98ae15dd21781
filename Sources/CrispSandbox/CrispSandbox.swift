import BridgeCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A local stand-in of Crisp's people API: same routes, envelope, reasons and status codes, state in memory.
///
/// Run it as a server (`crisp-bridge sandbox`), or start it in-process for tests and `serve --sandbox`.
public enum CrispSandbox {
    /// Builds the HTTP application; `onRunning` is told the port once the server listens.
    public static func application(
        configuration: SandboxConfiguration, state: SandboxState = SandboxState(), host: String = "127.0.0.1",
        port: Int = 8181, logger: Logger? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var log = logger ?? Logger(label: "crisp-sandbox")
        if logger == nil { log.logLevel = .warning }
        return Application(
            responder: SandboxResponder(configuration: configuration, state: state),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "crisp-sandbox"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: log)
    }

    /// The services that run a sandbox: its server, and with a state file, the writer that keeps it.
    public static func services(
        configuration: SandboxConfiguration, state: SandboxState, host: String, port: Int, logger: Logger? = nil,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> [any Service] {
        let app = application(
            configuration: configuration, state: state, host: host, port: port, logger: logger, onRunning: onRunning)
        guard state.file != nil else { return [app] }
        let writer = SandboxStateWriter(
            state: state, interval: .milliseconds(250), logger: logger ?? Logger(label: "crisp-sandbox"))
        return [app, writer]
    }

    /// Starts the sandbox in this process on `port` (0 picks a free one) and returns once it listens. A
    /// `state` with a file keeps its profiles there (written within a quarter of a second of a change).
    public static func start(
        configuration: SandboxConfiguration = SandboxConfiguration(), state: SandboxState = SandboxState(),
        host: String = "127.0.0.1", port: Int = 0, logger: Logger? = nil
    ) async throws -> RunningSandbox {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let services = services(
            configuration: configuration, state: state, host: host, port: port, logger: logger,
            onRunning: { continuation.yield($0) })
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [],
            logger: Logger(label: "crisp-sandbox"))
        // A slow answer (`--latency`) is cut short when the sandbox stops: a stop never waits for one.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(1)
        let group = ServiceGroup(configuration: groupConfiguration)
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        for await bound in ports {
            return RunningSandbox(
                host: host, port: bound, configuration: configuration, state: state, group: group, task: task)
        }
        try await task.value
        throw SandboxError(500, "not_started", "the sandbox stopped before it listened")
    }
}

/// A sandbox started in-process: where it listens, its state, and how to stop it.
public struct RunningSandbox: Sendable {
    public let host: String
    public let port: Int
    public let configuration: SandboxConfiguration
    public let state: SandboxState
    let group: ServiceGroup
    let task: Task<Void, any Error>

    /// The base URL a Crisp client uses: `http://host:port/v1/`.
    public var baseURL: String { "http://\(host):\(port)/v1/" }

    /// Stops the server gracefully (in-flight requests finish) and waits for it to close.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
