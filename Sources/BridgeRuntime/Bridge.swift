import AsyncHTTPClient
import BridgeCore
import BridgeStore
import CrispPeople
import CrispSandbox
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// `serve`: loads the pipelines, opens the store, and runs the webhook server and the delivery worker in one
/// ServiceGroup until SIGTERM or SIGINT (graceful: stop accepting, finish in-flight work).
public enum Bridge {
    /// Why `serve` cannot start: every problem, for the user to fix.
    public struct StartupError: Error, CustomStringConvertible {
        public let description: String
        /// Each problem on its own (for a reload's answer); the description alone when there is one.
        public var problems: [String] = []

        init(description: String, problems: [String] = []) {
            self.description = description
            self.problems = problems.isEmpty ? [description] : problems
        }
    }

    /// Runs until a graceful stop. `metrics` gives the Prometheus text for `/metrics` (nil: no such route).
    public static func run(
        _ options: BridgeOptions, logger: Logger, metrics: (@Sendable () -> String)? = nil
    ) async throws {
        let running = try await start(options, logger: logger, metrics: metrics, signals: [.sigterm, .sigint])
        try await running.finished()
    }

    /// Starts everything `serve` runs — intake, worker, housekeeping, the sandbox with `--sandbox` — in this
    /// process, and returns once the server listens (port 0 picks a free one). `signals` stop it gracefully;
    /// so does `RunningBridge.stop()`. Tests run the whole bridge in-process through this.
    public static func start(
        _ options: BridgeOptions, logger: Logger, metrics: (@Sendable () -> String)? = nil,
        signals: [UnixSignal] = []
    ) async throws -> RunningBridge {
        let pipelines: [Pipeline]
        let environment: [String: String]
        // The options as given: a reload resolves their environment sources again.
        let given = options
        do {
            (pipelines, environment) = try checkedPipelines(given, logger: logger)
        } catch {
            throw StartupError(description: error.description + ": not starting", problems: error.problems)
        }
        let options = {
            var resolved = given
            resolved.environment = environment
            return resolved
        }()
        // With the sandbox, what unset variables cause is said once, in the summary `checkedPipelines` logs.
        let quiet: Logger.Level = options.sandbox ? .debug : .warning
        for pipeline in pipelines {
            let sender = pipeline.trigger.sender
            if sender.usesHandshakeSecrets,
                !pipeline.unsetVerifySettings(environment: options.environment, includingOptional: true).isEmpty
                    || !pipeline.trigger.givesSetting("verification_token")
            {
                logger.info(
                    "pipeline \(pipeline.name): verify.\(sender.name) has no verification_token: its events are refused until a handshake token is trusted (`crisp-bridge senders token \(pipeline.name) --trust TOKEN`) or the setting's environment variable is set"
                )
            }
            for setting in pipeline.emptyVerifySettings(environment: options.environment) {
                let variables = pipeline.environmentNames(ofSetting: setting)
                let cause =
                    variables.isEmpty
                    ? ""
                    : " (\(variables.joined(separator: ", ")) \(variables.count == 1 ? "is" : "are") unset or empty)"
                logger.log(
                    level: quiet,
                    "pipeline \(pipeline.name): verify.\(pipeline.trigger.sender.name).\(setting) is empty\(cause): its requests will be refused with 401"
                )
            }
        }
        let store = try await openStore(
            options.store, poolSize: options.storePoolSize, logger: logger, clock: options.clock,
            acceptTimeout: options.storeTimeout)
        if let sqlite = store as? SQLiteBridgeStore {
            do {
                let released = try sqlite.takeOwnership()
                if released > 0 {
                    logger.notice(
                        "resuming \(released) event(s) a previous serve had claimed when it stopped (their leases are released)"
                    )
                }
            } catch {
                guard !options.exclusiveStore else { throw StartupError(description: error.message) }
                logger.notice("a crisp-bridge serve is using this store: it delivers these events too")
            }
        } else {
            logger.notice("store: \(StoreURL.redacted(options.store)) (shared: other instances may use it too)")
        }

        var sandbox: RunningSandbox?
        var sandboxOwnership: SandboxOwnership?
        var crispConfiguration: CrispClient.Configuration
        let sandboxClaim = options.sandbox ? try await SandboxOwnership.claim(options.sandboxStateFile) : nil
        var joinedSandbox: String?
        if case .joined(let owner) = sandboxClaim {
            // Another process runs the sandbox of this state file: deliver to it, so one sandbox holds them all.
            let joined =
                "using the built-in Crisp sandbox that another crisp-bridge (pid \(owner.pid)) runs at \(owner.baseURL) for \(options.sandboxStateFile): one sandbox for both (its faults and limits apply; --sandbox-reset and this process's --sandbox-* options do not)"
            logger.notice("\(joined)")
            joinedSandbox = joined
            crispConfiguration = .init(
                baseURL: owner.baseURL, websiteID: owner.websiteID, identifier: owner.identifier, key: owner.key)
        } else if case .owner(let ownership) = sandboxClaim {
            sandboxOwnership = ownership
            let state: SandboxState
            do {
                state = try SandboxState(file: options.sandboxStateFile, reset: options.sandboxReset)
            } catch {
                throw StartupError(description: error.message)
            }
            var settings = options.sandboxSettings
            settings.dailyQuota = options.sandboxDailyQuota
            let running = try await CrispSandbox.start(configuration: settings, state: state, port: options.sandboxPort)
            sandbox = running
            let seeded =
                settings.injectsFaults ? "; faults injected, seeded with \(settings.seed) (--sandbox-seed)" : ""
            logger.notice(
                "using the built-in Crisp sandbox at \(running.baseURL), profiles kept in \(options.sandboxStateFile) (no real Crisp is called; GET /_sandbox/requests there shows what it received; --sandbox-reset starts empty)\(seeded)"
            )
            crispConfiguration = .init(
                baseURL: running.baseURL, websiteID: running.configuration.websiteID,
                identifier: running.configuration.identifier, key: running.configuration.key)
            ownership.publish(
                .init(
                    baseURL: running.baseURL, websiteID: running.configuration.websiteID,
                    identifier: running.configuration.identifier, key: running.configuration.key, pid: getpid()))
        } else {
            do {
                crispConfiguration = try .fromEnvironment(options.environment)
            } catch {
                throw StartupError(description: "Crisp credentials are missing: \(error.message)")
            }
            logger.info(
                "delivering to Crisp at \(crispConfiguration.baseURL) for website \(crispConfiguration.websiteID)")
        }
        let limiter = CrispRateLimiter(perSecond: options.crispRate)
        let quota = CrispQuota(probeInterval: options.crispQuotaProbe, clock: options.clock) { route, outcome in
            BridgeMetrics.crispRequest(route: route, outcome: outcome)
        }
        // One retry layer: the client sends once and reports; the delivery lifecycle decides whether and when to
        // try again, so no retry waits while a lease is held.
        crispConfiguration.retry = .none
        let crisp = CrispClient(configuration: crispConfiguration, throttle: limiter, quota: quota)
        let dailyQuota = options.crispDailyQuota ?? CrispQuota.dailyQuota(tier: crispConfiguration.tier)
        let fetcher = HTTPFetcher()
        let context = TransformContext(
            environment: options.environment, fetcher: fetcher, verifySignatures: true,
            publicURL: options.publicURL)
        let recorder = options.record.map { RequestRecorder(folder: $0, logger: logger) }
        let signal = WorkSignal()
        // What intake split, handed to the worker: enough for the backlog of a burst of small webhooks.
        let handoff = ParsedRequestCache(capacity: options.handoffCapacity, byteBudget: 16 << 20)
        let catalog = PipelineCatalog(pipelines, environment: options.environment) { pipeline, environment in
            var context = context
            context.environment = environment
            return WebhookIntake(
                pipeline: pipeline, store: store, context: context, recorder: recorder, signal: signal,
                handoff: handoff, logger: logger, clock: options.clock)
        }
        let reloader = PipelineReloader(
            options: given, catalog: catalog, startEnvironment: options.environment, logger: logger)
        let worker = DeliveryWorker(
            store: store, catalog: catalog, crisp: crisp, context: context,
            configuration: {
                var c = DeliveryWorker.Configuration()
                c.concurrency = options.concurrency
                c.lease = options.lease
                c.coalesce = options.coalesce
                c.conversationWrites = options.conversationWrites
                c.clock = options.clock
                return c
            }(), recorder: recorder, signal: signal, parsed: handoff, logger: logger)
        let adminToken = options.environment["BRIDGE_ADMIN_TOKEN"] ?? ""
        let queries = ConsoleQueries(
            store: store, catalog: catalog, clock: options.clock, context: context, quota: quota, crisp: crisp,
            dailyQuota: dailyQuota, reloader: reloader,
            jobs: ReplayJobs(store: store, clock: options.clock, logger: logger), logger: logger)
        let console =
            adminToken.isEmpty || !options.console
            ? nil
            : ConsoleRoutes(
                queries: queries,
                access: ConsoleAccess(
                    adminToken: adminToken, readOnlyToken: options.environment["BRIDGE_CONSOLE_READONLY_TOKEN"]),
                throttle: LoginThrottle())
        let draining = ShutdownDrain.State()
        let router = BridgeServer.router(
            catalog: catalog, store: store, bodyLimit: options.bodyLimit, metrics: metrics,
            adminToken: adminToken, quota: quota, queries: queries, console: console,
            clock: options.clock, draining: draining, instance: options.instanceID, logger: logger)
        if adminToken.isEmpty {
            logger.info("admin API and console off (set BRIDGE_ADMIN_TOKEN to turn them on)")
        } else {
            let consoleState = console == nil ? "console off (--no-console)" : "console at /console"
            logger.info("admin API enabled under /admin/ (bearer token from BRIDGE_ADMIN_TOKEN); \(consoleState)")
        }
        let pipelineCount = pipelines.count
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            server: .http1(
                configuration: .init(idleTimeout: .milliseconds(Int64((options.idleTimeout * 1000).rounded())))),
            configuration: ApplicationConfiguration(
                address: .hostname(options.host, port: options.port), serverName: "crisp-bridge"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.port
                logger.notice(
                    "crisp-bridge listening on http://\(options.host):\(port) with \(pipelineCount) pipeline(s)")
                continuation.yield(port)
            },
            logger: logger)
        let tokens = ServiceAccountTokens(fetcher: fetcher)
        let owner = Poller.instanceName()
        let makePoller: @Sendable (Pipeline) -> Poller? = { pipeline in
            // The variables of the latest reload: a poller starts again when they change.
            let environment = catalog.current.environment
            var context = context
            context.environment = environment
            // With the sandbox, unset variables are allowed: a poll without its API's credentials only fails.
            if !pipeline.unsetEnvironment(environment, severity: .warning).isEmpty {
                let unset = pipeline.environmentReferences.filter { !$0.hasDefault && environment[$0.name] == nil }
                let names = Set(unset.map { "env.\($0.name)" }).sorted().joined(separator: ", ")
                logger.info("pipeline \(pipeline.name) is not polled: \(names) unset (set them to poll its API)")
                return nil
            }
            return try? Poller(
                pipeline: pipeline, store: store, context: context, tokens: tokens, owner: owner, logger: logger,
                clock: options.clock)
        }
        let housekeeping = Housekeeping(
            store: store,
            configuration: .init(
                retention: options.retention, deadRetention: options.deadRetention,
                dedupeRetention: options.dedupeRetention),
            logger: logger, clock: options.clock)
        // Services are shut down in the reverse order of this list: the drain first (`/readyz` 503, still
        // accepting for --drain-delay), then the HTTP server (no new request), the rest, the delivery worker last.
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: worker), .init(service: housekeeping),
                .init(service: QueueSampler(store: store, interval: .seconds(5), clock: options.clock)),
                .init(service: NewEventsListener(store: store, signal: signal)),
                .init(
                    service: UnloadedBacklogWatch(
                        store: store, catalog: catalog, interval: .seconds(60), logger: logger)),
                .init(service: reloader),
            ]
                + (options.polls
                    ? [
                        .init(
                            service: PollScheduler(
                                catalog: catalog, makePoller: makePoller, signal: signal, logger: logger,
                                clock: options.clock))
                    ] : [])
                + (options.listen
                    ? [
                        .init(
                            service: ZohoChannelKeeper(
                                catalog: catalog, fetcher: fetcher, environment: options.environment,
                                publicURL: options.publicURL, checkInterval: options.zohoCheckInterval,
                                renewBefore: options.zohoRenewBefore, logger: logger, clock: options.clock))
                    ] : []) + [
                    .init(
                        service: QuotaKeeper(
                            store: store, quota: quota, dailyQuota: dailyQuota, interval: .seconds(5),
                            logger: logger, clock: options.clock))
                ]
                + (options.listen
                    ? [
                        .init(service: app),
                        .init(
                            service: ShutdownDrain(
                                state: draining, delay: options.drainDelay, shutdownTimeout: options.shutdownTimeout,
                                exitAfter: signals.isEmpty
                                    ? nil : options.drainDelay + options.shutdownTimeout + ShutdownDrain.grace,
                                logger: logger)),
                    ] : []),
            gracefulShutdownSignals: signals, logger: logger)
        // Past the drain and the shutdown timeout, what is still running is cancelled (a delivery cut short stays
        // pending for its lease); `serve`'s process ends a few seconds later whatever still runs (`ShutdownDrain`).
        configuration.maximumGracefulShutdownDuration = Duration.milliseconds(
            Int64(((options.drainDelay + options.shutdownTimeout) * 1000).rounded()))
        let group = ServiceGroup(configuration: configuration)
        let runningSandbox = sandbox
        let ownership = sandboxOwnership
        let task = Task<Void, any Error> {
            defer { continuation.finish() }
            do {
                try await group.run()
            } catch {
                try? await crisp.shutdown()
                try? await fetcher.shutdown()
                ownership?.withdraw()
                await runningSandbox?.stop()
                ownership?.release()
                throw error
            }
            try? await crisp.shutdown()
            try? await fetcher.shutdown()
            ownership?.withdraw()
            await runningSandbox?.stop()
            ownership?.release()
            logger.notice("crisp-bridge stopped")
        }
        guard options.listen else {
            return RunningBridge(
                port: 0, sandboxURL: runningSandbox?.baseURL, store: store, group: group, task: task, signal: signal,
                tally: worker.delivered, planTally: worker.planned, handoff: handoff,
                joinedSandbox: joinedSandbox)
        }
        for await port in ports {
            return RunningBridge(
                port: port, sandboxURL: runningSandbox?.baseURL, store: store, group: group, task: task,
                signal: signal, tally: worker.delivered, planTally: worker.planned, handoff: handoff,
                joinedSandbox: joinedSandbox)
        }
        try await task.value
        throw StartupError(description: "the server stopped before it listened")
    }

    /// Loads the pipelines of `--pipelines` and checks them as `serve` needs them: no error in any file, no unset
    /// environment variable without a default (a warning with the sandbox), at least one pipeline. Warnings are
    /// logged; the errors are thrown, each as `validate` prints it. Startup and every reload use this.
    static func checkedPipelines(_ options: BridgeOptions, logger: Logger) throws(StartupError) -> (
        pipelines: [Pipeline], environment: [String: String]
    ) {
        let loaded = PipelineLoader.load(paths: [options.pipelines])
        for warning in loaded.diagnostics where warning.severity != .error { logger.warning("\(warning.summary)") }
        let errors = loaded.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else {
            throw StartupError(
                description: errors.map(\.description).joined(separator: "\n") + "\n\(errors.count) error(s)",
                problems: errors.map(\.description))
        }
        let environment = try EnvironmentSources(process: options.environment, files: options.environmentFiles)
            .resolve(wanted: Set(loaded.pipelines.flatMap(\.environmentReferences).map(\.name)))
        // An unset variable reads as null: refuse it (a warning with the sandbox: nothing reaches Crisp), unless
        // the expression gives a default.
        let unset = loaded.pipelines.flatMap {
            $0.unsetEnvironment(environment, severity: options.sandbox ? .warning : .error)
        }
        // With the sandbox, unset variables are allowed: one line says which and what they cost; each is at
        // debug level (and `validate` lists them with where they are read).
        for warning in unset where warning.severity == .warning { logger.debug("\(warning.summary)") }
        if let summary = Self.unsetSummary(loaded.pipelines, environment: environment), options.sandbox {
            logger.notice("\(summary)")
        }
        let unsetErrors = unset.filter { $0.severity == .error }
        guard unsetErrors.isEmpty else {
            throw StartupError(
                description: unsetErrors.map(\.summary).joined(separator: "\n")
                    + "\n\(unsetErrors.count) unset environment variable(s)",
                problems: unsetErrors.map(\.summary))
        }
        guard !loaded.pipelines.isEmpty else {
            throw StartupError(description: "no pipelines in \(options.pipelines): nothing to serve")
        }
        return (loaded.pipelines, environment)
    }

    /// One line for the variables the pipelines read without a default that are not set (with `--sandbox`,
    /// where they read as null), or nil when there is none.
    static func unsetSummary(_ pipelines: [Pipeline], environment: [String: String]) -> String? {
        var names: Set<String> = []
        var readers: [String] = []
        for pipeline in pipelines {
            let unset = pipeline.environmentReferences.filter { !$0.hasDefault && environment[$0.name] == nil }
            guard !unset.isEmpty else { continue }
            names.formUnion(unset.map(\.name))
            readers.append(pipeline.name)
        }
        guard !names.isEmpty else { return nil }
        let listed = names.sorted().prefix(6).joined(separator: ", ") + (names.count > 6 ? ", …" : "")
        return
            "\(readers.count) of \(pipelines.count) pipelines read \(names.count) unset variable(s) (\(listed)): with --sandbox they read as null, so those routes refuse requests (401) and their polls are off until set (--env-file FILE, or the environment); `crisp-bridge validate` says where each is read"
    }

    /// Opens the store named by `--store`: `sqlite:PATH` (with `create` false, one that does not exist yet is
    /// refused, for commands that look at what `serve` stored) or `postgres://USER:PASSWORD@HOST:PORT/DB`
    /// (its schema brought up to date; `poolSize` connections at most).
    public static func openStore(
        _ spec: String, create: Bool = true, poolSize: Int = 10, logger: Logger = Logger(label: "crisp-bridge"),
        clock: any BridgeClock = SystemClock(), acceptTimeout: TimeInterval = 8
    ) async throws -> any BridgeStore {
        do {
            if spec.hasPrefix("sqlite:") {
                return try SQLiteBridgeStore(path: String(spec.dropFirst(7)), create: create, clock: clock)
            }
            if StoreURL.isPostgres(spec) {
                return try await PostgresBridgeStore(
                    url: spec, poolSize: poolSize, logger: logger, clock: clock,
                    acceptTimeout: .milliseconds(Int64((acceptTimeout * 1000).rounded())))
            }
        } catch {
            throw StartupError(description: error.message)
        }
        throw StartupError(
            description:
                "unknown store '\(StoreURL.redacted(spec))': use sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    }
}

/// A bridge started in this process: where it listens, its store, and how to stop it.
public struct RunningBridge: Sendable {
    public let port: Int
    /// The built-in sandbox's base URL (`http://127.0.0.1:PORT/v1/`), with `--sandbox`.
    public let sandboxURL: String?
    public let store: any BridgeStore
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let signal: WorkSignal
    let tally: DeliveryTally
    let planTally: DeliveryTally
    /// What intake (or an import) hands this process's worker: requests split, rows planned.
    let handoff: ParsedRequestCache
    /// With `--sandbox` when another process runs the sandbox of the state file: what this one delivers to.
    public let joinedSandbox: String?

    /// How many events this process's worker delivered (others sharing the store may deliver more).
    public var delivered: Int { tally.value }
    /// How many events this process's worker planned itself (not handed a plan by an import).
    public var replanned: Int { planTally.value }

    /// Wakes this process's idle workers: new events were stored.
    public func wake() {
        signal.signal()
    }

    /// Stops gracefully (no new requests, events in progress finished) and waits until everything is closed.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Waits until the bridge stops (a signal, or `stop()`); rethrows what stopped it, if anything.
    public func finished() async throws {
        try await task.value
    }
}

/// Wakes this instance's workers when another instance stored new events (PostgreSQL notifications).
struct NewEventsListener: Service, CustomStringConvertible {
    let store: any BridgeStore
    let signal: WorkSignal

    var description: String { "NewEventsListener" }

    func run() async throws {
        await cancelWhenGracefulShutdown { await store.watchNewEvents { signal.signal() } }
        // A store with nothing to watch returns at once: a service that ends would stop serve.
        try? await gracefulShutdown()
    }
}
