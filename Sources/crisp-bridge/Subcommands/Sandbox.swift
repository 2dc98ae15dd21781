import ArgumentParser
import BridgeRuntime
import CrispSandbox
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `crisp-bridge sandbox`: a local stand-in of Crisp's people API, for tests and demos.
struct Sandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a local stand-in of Crisp's people API (state in memory, or in a file with --state).",
        discussion: """
            Routes, envelope, reasons and status codes as Crisp's (/v1/website/{website_id}/people/…), with
            HTTP Basic auth. GET /_sandbox/requests lists the requests received; POST /_sandbox/reset forgets all.
            """)

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on.")
    var port = 8181

    @Option(help: "The website id whose routes exist.")
    var websiteID = SandboxConfiguration().websiteID

    @Option(
        name: .customLong("other-website"),
        help:
            "Another website the token serves, as a plugin token serves every website that installed the plugin (repeatable)."
    )
    var otherWebsites: [String] = []

    @Option(help: "The token identifier accepted.")
    var identifier = SandboxConfiguration().identifier

    @Option(help: "The token key accepted.")
    var key = SandboxConfiguration().key

    @Option(help: "Requests per second per token before 429 (default: no limit).")
    var rateLimit: Double?

    @Option(
        name: [.customLong("daily-quota"), .customLong("quota")],
        help:
            "Requests per day per token before 423 quota_limit_exceeded (default: no quota; POST /_sandbox/quota/reset starts a new day)."
    )
    var quota: Int?

    @Option(help: "Share of requests (0 to 1) answered with a random 500 or 503.")
    var failRate = 0.0

    @Option(
        help:
            "Share of writes (0 to 1) performed and then answered with a random 500 or 503, as when an answer is lost after Crisp stored the write."
    )
    var failAfterWriteRate = 0.0

    @Option(
        help:
            "With --fail-after-write-rate, also answer some stored writes this many milliseconds late (past a client's timeout)."
    )
    var lateAnswer = 0

    @Option(
        help:
            "Share of writes (0 to 1) performed and then answered 200 with an HTML page instead of Crisp's JSON (a garbled answer)."
    )
    var garbledAnswerRate = 0.0

    @Option(
        help:
            "Seed of the injected faults (--fail-rate, --fail-after-write-rate, --garbled-answer-rate): the same seed gives the same sequence of faults. Printed at start; random when not given."
    )
    var seed: UInt64?

    @Option(help: "Delay before every answer, in milliseconds.")
    var latency = 0

    @Option(help: "Keep the profiles in this JSON file: read at start, written within 250 ms of a change.")
    var state: String?

    @Flag(help: "With --state, start empty (the file is emptied).")
    var reset = false

    func validate() throws {
        if reset && state == nil { throw ValidationError("--reset empties the --state file: give --state FILE") }
        try SandboxFaultCheck.validate(
            prefix: "", failRate: failRate, failAfterWriteRate: failAfterWriteRate,
            garbledAnswerRate: garbledAnswerRate, lateAnswer: lateAnswer, latency: latency, rateLimit: rateLimit)
        if let quota, quota <= 0 { throw ValidationError("--daily-quota takes requests per day, above 0") }
    }

    func run() async throws {
        let configuration = {
            var configuration = SandboxConfiguration(
                websiteID: websiteID, identifier: identifier, key: key, rateLimit: rateLimit, dailyQuota: quota,
                failRate: failRate, failAfterWriteRate: failAfterWriteRate, lateAnswerMilliseconds: lateAnswer,
                latencyMilliseconds: latency)
            configuration.garbledAnswerRate = garbledAnswerRate
            configuration.otherWebsites = otherWebsites
            if let seed { configuration.seed = seed }
            return configuration
        }()
        let host = self.host
        // One process per state file: a serve or import --sandbox on it runs the sandbox already.
        var ownership: SandboxOwnership?
        if let state {
            switch try await SandboxOwnership.claim(state, wait: .seconds(2)) {
            case .owner(let owned): ownership = owned
            case .joined(let owner):
                DiagnosticPrinter.printError(
                    "the sandbox state \(state) belongs to another crisp-bridge (pid \(owner.pid)) whose sandbox listens at \(owner.baseURL): use that one (CRISP_API_URL=\(owner.baseURL)), or give this one another --state"
                )
                throw ExitCode.failure
            }
        }
        let owned = ownership
        defer { owned?.release() }
        let sandboxState: SandboxState
        do {
            sandboxState = try state.map { try SandboxState(file: $0, reset: reset) } ?? SandboxState()
        } catch let error as SandboxError {
            DiagnosticPrinter.printError(error.message)
            throw ExitCode.failure
        }
        let kept = state.map { ", profiles kept in \($0)" } ?? ""
        // The seed is printed first, so a failing run's faults can be met again with `--seed`.
        let seeded = configuration.injectsFaults ? ", faults seeded with \(configuration.seed) (--seed)" : ""
        let services = CrispSandbox.services(
            configuration: configuration, state: sandboxState, host: host, port: port
        ) { port in
            let line =
                "crisp sandbox listening on http://\(host):\(port)/v1/ (website \(configuration.websiteID)\(kept)\(seeded))\n"
            FileHandle.standardOutput.write(Data(line.utf8))
            owned?.publish(
                .init(
                    baseURL: "http://\(host):\(port)/v1/", websiteID: configuration.websiteID,
                    identifier: configuration.identifier, key: configuration.key, pid: getpid()))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: Logger(label: "crisp-sandbox")))
        try await group.run()
    }
}
