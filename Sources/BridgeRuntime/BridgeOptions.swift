import BridgeCore
import BridgeStore
import CrispSandbox
import Foundation

/// What `serve` runs with.
public struct BridgeOptions: Sendable {
    public var pipelines = "pipelines"
    /// The time every part of the bridge and its store uses: the machine's clock, or a test's `ManualClock`.
    public var clock: any BridgeClock = SystemClock()
    public var host = "127.0.0.1"
    public var port = 8080
    /// `sqlite:PATH` (default `sqlite:.crisp-bridge/bridge.sqlite`) or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    public var store = "sqlite:.crisp-bridge/bridge.sqlite"
    /// Connections to a PostgreSQL store at most.
    public var storePoolSize = 10
    /// Requests (or an import's rows) the worker is handed already split and planned, at most (16 MiB of bodies
    /// at most); an import stores its rows at most half this many ahead of their delivery.
    public var handoffCapacity = 2048
    /// Run the built-in Crisp sandbox in-process and deliver to it.
    public var sandbox = false
    public var sandboxPort = 8181
    /// Where the built-in sandbox keeps its profiles between runs; nil: `sandbox.json` beside a SQLite store
    /// (`.crisp-bridge/sandbox.json` by default).
    public var sandboxState: String?
    /// Start the built-in sandbox empty.
    public var sandboxReset = false
    /// The built-in sandbox's daily quota (requests per day before 423), nil for none.
    public var sandboxDailyQuota: Int?
    /// The built-in sandbox's other settings: its rate limit, injected faults and their seed, latency (its
    /// website and token are the default ones; `sandboxDailyQuota` sets its quota).
    public var sandboxSettings = SandboxConfiguration()

    /// The sandbox's state file: `sandboxState`, else `sandbox.json` in the SQLite store's folder.
    public var sandboxStateFile: String {
        if let sandboxState { return sandboxState }
        let folder =
            store.hasPrefix("sqlite:") ? (String(store.dropFirst(7)) as NSString).deletingLastPathComponent : ""
        return (folder.isEmpty ? "." : folder) + "/sandbox.json"
    }
    /// The public base URL senders call (for senders that sign the URL).
    public var publicURL: String?
    /// Events handled at once.
    /// Whether the webhook server runs (`import` delivers without one).
    public var listen = true
    /// Whether the console is served at `/console` when an admin token is set (`--no-console` turns it off).
    public var console = true
    /// Whether `serve` reloads the pipelines when a file in the folder changes (`--watch`); SIGHUP and
    /// `POST /admin/reload` reload them always.
    public var watch = false
    /// Whether the `trigger.poll` pipelines are polled (`serve`); `import` and `poll --once` poll none on their own.
    public var polls = true
    /// Whether the SQLite store must be this process's alone (`serve`); `import` shares it with a running
    /// `serve` when there is one (leases keep them from delivering an event twice).
    public var exclusiveStore = true
    public var concurrency = 8
    /// How many events of one contact waiting in order go out in one attempt, their writes merged into one
    /// per route (1: each on its own).
    public var coalesce = 20
    /// The loop guard: conversation operations per session in 10 minutes (0: no guard).
    public var conversationWrites = 20
    /// Requests to Crisp per second at most (halved on a rate-limit answer, recovering slowly).
    public var crispRate = 20.0
    /// Crisp's daily request quota for this token; nil: from the tier (`CRISP_TIER`): 10,000 for a website
    /// token, 5,000 for a plugin token.
    public var crispDailyQuota: Int?
    /// Seconds between probes while Crisp's daily quota is used up (nothing else is sent meanwhile).
    public var crispQuotaProbe: TimeInterval = 300
    /// Seconds a worker holds a claimed event (renewed every third of it while it works); a crashed instance
    /// releases its events after this.
    public var lease: TimeInterval = 10
    /// This instance's name in `/readyz` (`--instance-id`; the host's name by default).
    public var instanceID = BridgeOptions.defaultInstanceID
    /// The host's name.
    public static var defaultInstanceID: String { ProcessInfo.processInfo.hostName }
    /// Seconds intake waits for PostgreSQL to confirm a request stored before it answers 503 (`--store-timeout`):
    /// senders give up after a few seconds (HubSpot: 5), and a 503 makes them send again.
    public var storeTimeout: TimeInterval = 2
    /// Seconds the listener keeps accepting after SIGTERM while `/readyz` already answers 503 (`serve
    /// --drain-delay`, 5 there: a load balancer's health check sees the instance go first).
    public var drainDelay: TimeInterval = 0
    /// Seconds in-flight work (deliveries, polls, intake) gets to finish once the listener stopped; then it is
    /// cancelled (a delivery cut short stays pending for its lease) and the process ends.
    public var shutdownTimeout: TimeInterval = 20
    /// Seconds before a connection that sends nothing is closed: idle between requests, or a request head (or
    /// body) that stopped arriving.
    public var idleTimeout: TimeInterval = 30
    /// Largest body accepted (413 above).
    public var bodyLimit = 1 << 20
    /// Dedupe ids are remembered this long.
    public var dedupeRetention: TimeInterval = 7 * 86_400
    /// Done (delivered or skipped) events are removed this long after their last change; nil keeps them.
    public var retention: TimeInterval? = 14 * 86_400
    /// Dead events are removed this long after their last change; nil keeps them.
    public var deadRetention: TimeInterval? = 30 * 86_400
    /// The longest wait between two checks of the Zoho Notification API channels `serve` keeps registered.
    public var zohoCheckInterval: TimeInterval = 3600
    /// A Zoho channel is registered again once less than this is left of it.
    public var zohoRenewBefore: TimeInterval = 86_400
    /// Save every accepted request as a test recording in this folder.
    public var record: String?
    /// The process environment (or a test's); with `environmentFiles` and `NAME_FILE`, what the pipelines read
    /// (`EnvironmentSources`, resolved at start and on every reload).
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Run the pipelines' test files before each reload swaps them in, and refuse the reload if a case fails.
    public var testOnReload = false
    /// `--env-file` paths, read over `environment` at start and on every reload.
    public var environmentFiles: [String] = []

    public init() {}
}

extension BridgeOptions: CustomStringConvertible, CustomDebugStringConvertible {
    /// The options without the environment's values (they hold secrets) or the store URL's password.
    public var description: String {
        "BridgeOptions(pipelines: \(pipelines), listen: \(host):\(port), store: \(StoreURL.redacted(store)), "
            + "sandbox: \(sandbox), concurrency: \(concurrency), crispRate: \(crispRate), lease: \(lease), "
            + "bodyLimit: \(bodyLimit), environment: \(environment.count) variable(s), redacted)"
    }
    public var debugDescription: String { description }
}
