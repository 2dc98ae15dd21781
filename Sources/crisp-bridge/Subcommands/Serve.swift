import ArgumentParser
import BridgeCore
import BridgeRuntime
import CrispSandbox
import Foundation
import Logging
import Metrics
import Prometheus

/// `crisp-bridge serve`: receive webhooks durably and deliver them to Crisp.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive webhooks, store them durably, and deliver them to Crisp.",
        discussion: """
            Crisp credentials come from CRISP_WEBSITE_ID, CRISP_IDENTIFIER and CRISP_KEY (CRISP_TIER and
            CRISP_API_URL optional), or use --sandbox for the built-in Crisp sandbox. Stops gracefully on SIGTERM
            or SIGINT; a restart resumes everything pending. SIGHUP (or POST /admin/reload, or a file change with
            --watch) reloads the pipelines: a folder with errors keeps the running ones and logs every problem.
            """)

    @Option(help: "The folder of pipelines.")
    var pipelines = "pipelines"

    @Flag(
        help:
            "Do not serve the console at /console (it is served when BRIDGE_ADMIN_TOKEN is set; BRIDGE_CONSOLE_READONLY_TOKEN adds a read-only login)."
    )
    var noConsole = false

    @Flag(help: "Reload the pipelines when a file in the folder changes (SIGHUP reloads them always).")
    var watch = false

    @Flag(help: "Run the pipelines' test files (*.test.yaml) before a reload swaps them in; a failing case refuses it.")
    var testOnReload = false

    @Option(
        name: .customLong("env-file"),
        help: ArgumentHelp(
            "Variables to read over the environment (NAME=VALUE lines), again on every reload; repeatable. A variable NAME_FILE names a file holding NAME's value.",
            valueName: "file"))
    var envFiles: [String] = []

    @Option(
        help: ArgumentHelp(
            "Remove delivered and skipped events (their requests and attempts) this long after their last change: 14d, 36h; 'forever' keeps them.",
            valueName: "age"))
    var retention = "14d"

    @Option(
        help: ArgumentHelp(
            "Remove dead events this long after their last change (a replay that delivers one makes it done); 'forever' keeps them.",
            valueName: "age"))
    var deadRetention = "30d"

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on.")
    var port = 8080

    @Option(
        help:
            "The store: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE (default: BRIDGE_STORE_URL, else sqlite:.crisp-bridge/bridge.sqlite)."
    )
    var store: String?

    @Option(help: "Connections to a PostgreSQL store at most.")
    var storePoolSize = 10

    @Flag(help: "Run the built-in Crisp sandbox in-process and deliver to it.")
    var sandbox = false

    @Option(help: "The port of the built-in sandbox.")
    var sandboxPort = 8181

    @Option(help: "Where the built-in sandbox keeps its profiles (default: sandbox.json beside the SQLite store).")
    var sandboxState: String?

    @Flag(help: "Start the built-in sandbox empty (its state file is emptied).")
    var sandboxReset = false

    @Option(help: "The public base URL senders call (for senders that sign the URL, like HubSpot v3).")
    var publicURL: String?

    @Option(help: "Save every accepted request as a recording (for test files) in this folder.")
    var record: String?

    @Option(help: "Events delivered at once.")
    var concurrency = 8

    @Option(
        help:
            "Events of one contact waiting in order that go out in one attempt, their writes merged into one per route (1: each on its own)."
    )
    var coalesce = 20

    @Option(
        help:
            "Loop guard: conversation writes (crisp.conversation, crisp.note) per conversation in 10 minutes before further ones end dead (0: no guard)."
    )
    var conversationWrites = 20

    @Option(help: "Requests to Crisp per second at most (halved on a rate-limit answer).")
    var crispRate = 20.0

    @Option(
        help:
            "Seconds a worker holds an event it claimed, renewed every third of it while it works; when an instance dies, its events come back this long later (a restarted SQLite serve takes them back at once)."
    )
    var lease = 10.0

    @Option(
        help:
            "Seconds before a connection that sends nothing (idle between requests, or a request head sent too slowly) is closed."
    )
    var idleTimeout = 30.0

    @Option(
        help:
            "Seconds the listener keeps accepting after SIGTERM while /readyz already answers 503, so that a load balancer sees the instance go first."
    )
    var drainDelay = 5.0

    @Option(
        help:
            "Seconds intake waits for PostgreSQL to confirm a webhook stored before answering 503 (senders give up after a few seconds; a 503 makes them send it again)."
    )
    var storeTimeout = 2.0

    @Option(help: "This instance's name in /readyz (default: the host's name).")
    var instanceID: String?

    @Option(
        help:
            "Seconds in-flight deliveries get to finish once the listener stopped (after --drain-delay); then they are cut short and stay pending for their lease. Keep --drain-delay plus this below the platform's grace period (Kubernetes: 30 s)."
    )
    var shutdownTimeout = 20.0

    @Option(
        help:
            "Crisp's daily request quota for this token (default: 10,000 for a website token, 5,000 for a plugin token, from CRISP_TIER)."
    )
    var crispDailyQuota: Int?

    @Option(help: "Seconds between probes while Crisp's daily quota is used up (nothing else is sent meanwhile).")
    var crispQuotaProbe = 300.0

    @Option(help: "The built-in sandbox's daily quota: requests a day before it answers 423, as Crisp does.")
    var sandboxDailyQuota: Int?

    @Option(help: "The built-in sandbox's requests per second before 429 (default: no limit).")
    var sandboxRateLimit: Double?

    @Option(help: "Share of the built-in sandbox's answers (0 to 1) that are a random 500 or 503.")
    var sandboxFailRate = 0.0

    @Option(
        help: "Share of the built-in sandbox's writes (0 to 1) stored and then answered 500 or 503 (a lost answer).")
    var sandboxFailAfterWriteRate = 0.0

    @Option(help: "With --sandbox-fail-after-write-rate, answer some stored writes this many milliseconds late.")
    var sandboxLateAnswer = 0

    @Option(help: "Share of the built-in sandbox's writes (0 to 1) stored and then answered 200 with an HTML page.")
    var sandboxGarbledAnswerRate = 0.0

    @Option(help: "Delay before every answer of the built-in sandbox, in milliseconds.")
    var sandboxLatency = 0

    @Option(
        name: .customLong("sandbox-website"),
        help: "Another website the built-in sandbox's token serves, as a plugin token does (repeatable).")
    var sandboxWebsites: [String] = []

    @Option(help: "Seed of the built-in sandbox's injected faults (printed at start; random when not given).")
    var sandboxSeed: UInt64?

    @Option(help: "Log format: text or json.")
    var logFormat = "text"

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    func validate() throws {
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format is text or json") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard storePoolSize > 0 else { throw ValidationError("--store-pool-size must be at least 1") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be at least 1") }
        guard coalesce > 0 else { throw ValidationError("--coalesce must be at least 1 (1: no coalescing)") }
        guard conversationWrites >= 0 else { throw ValidationError("--conversation-writes must be 0 or more") }
        guard crispRate > 0 else { throw ValidationError("--crisp-rate must be above 0") }
        guard lease >= 2 else { throw ValidationError("--lease takes seconds, 2 or more") }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout takes seconds, above 0") }
        guard drainDelay >= 0, drainDelay <= 300 else { throw ValidationError("--drain-delay takes seconds, 0 to 300") }
        guard storeTimeout > 0, storeTimeout <= 60 else {
            throw ValidationError("--store-timeout takes seconds, above 0 and at most 60")
        }
        guard shutdownTimeout > 0, shutdownTimeout <= 3600 else {
            throw ValidationError("--shutdown-timeout takes seconds, above 0 and at most 3600")
        }
        if let crispDailyQuota, crispDailyQuota <= 0 {
            throw ValidationError("--crisp-daily-quota takes requests per day, above 0")
        }
        guard crispQuotaProbe >= 1 else { throw ValidationError("--crisp-quota-probe takes seconds, 1 or more") }
        if let sandboxDailyQuota, sandboxDailyQuota <= 0 {
            throw ValidationError("--sandbox-daily-quota takes requests per day, above 0")
        }
        try SandboxFaultCheck.validate(
            prefix: "sandbox-", failRate: sandboxFailRate, failAfterWriteRate: sandboxFailAfterWriteRate,
            garbledAnswerRate: sandboxGarbledAnswerRate, lateAnswer: sandboxLateAnswer, latency: sandboxLatency,
            rateLimit: sandboxRateLimit)
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var options = BridgeOptions()
        options.pipelines = pipelines
        options.environmentFiles = envFiles
        options.testOnReload = testOnReload
        options.retention = try Self.age(retention, option: "--retention")
        options.deadRetention = try Self.age(deadRetention, option: "--dead-retention")
        options.host = host
        options.port = port
        options.store =
            store ?? ProcessInfo.processInfo.environment["BRIDGE_STORE_URL"] ?? "sqlite:.crisp-bridge/bridge.sqlite"
        options.storePoolSize = storePoolSize
        options.sandbox = sandbox
        options.sandboxPort = sandboxPort
        options.sandboxState = sandboxState
        options.sandboxReset = sandboxReset
        options.publicURL = publicURL
        options.concurrency = concurrency
        options.coalesce = coalesce
        options.conversationWrites = conversationWrites
        options.lease = lease
        options.record = record
        options.watch = watch
        options.console = !noConsole
        options.crispRate = crispRate
        options.idleTimeout = idleTimeout
        options.drainDelay = drainDelay
        options.storeTimeout = storeTimeout
        if let instanceID, !instanceID.isEmpty { options.instanceID = instanceID }
        options.shutdownTimeout = shutdownTimeout
        options.crispDailyQuota = crispDailyQuota
        options.crispQuotaProbe = crispQuotaProbe
        options.sandboxDailyQuota = sandboxDailyQuota
        options.sandboxSettings = SandboxConfiguration(
            rateLimit: sandboxRateLimit, failRate: sandboxFailRate, failAfterWriteRate: sandboxFailAfterWriteRate,
            lateAnswerMilliseconds: sandboxLateAnswer, latencyMilliseconds: sandboxLatency)
        options.sandboxSettings.garbledAnswerRate = sandboxGarbledAnswerRate
        options.sandboxSettings.otherWebsites = sandboxWebsites
        if let sandboxSeed { options.sandboxSettings.seed = sandboxSeed }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        do {
            try await Bridge.run(options, logger: Logger(label: "crisp-bridge")) { registry.emitToString() }
        } catch let error as Bridge.StartupError {
            DiagnosticPrinter.printError(error.description)
            throw ExitCode.failure
        }
    }

    /// `--retention` and `--dead-retention`: an age (`14d`, `36h`), or `forever` (nil).
    static func age(_ text: String, option: String) throws -> TimeInterval? {
        if text == "forever" { return nil }
        guard let seconds = BridgeTime.duration(text), seconds > 0 else {
            throw ValidationError("\(option) takes an age such as 14d, 36h or 90m, or 'forever'; got '\(text)'")
        }
        return seconds
    }
}
