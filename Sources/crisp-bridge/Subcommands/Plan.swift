import ArgumentParser
import BridgeCore
import CrispPeople
import Foundation

/// `crisp-bridge plan PIPELINE (--request FILE | --body FILE) …`: a dry run printing one JSON line per event.
struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dry-run a pipeline on one request: one JSON line per event {id, status, operations|reason}.",
        discussion: """
            --request takes a recorded request (as `serve --record` saves them) and checks its signature.
            --body takes a bare body file; there is no signature to check, so verification is skipped.
            Exit status: 0 when every event planned or was skipped, 1 otherwise.
            """)

    @Argument(help: "The pipeline file.")
    var pipeline: String

    @Option(help: "A recorded request file (YAML: method, path, headers, body…).")
    var request: String?

    @Option(help: "A body file, sent as a POST to the pipeline's path.")
    var body: String?

    @Option(name: .customLong("header"), help: "A header to add, as \"Name: value\" (repeatable).")
    var headers: [String] = []

    @Option(
        name: .customLong("fetch"),
        help: "A recorded answer for a fetch, as NAME=FILE (repeat NAME for several events).")
    var fetches: [String] = []

    @Option(
        name: .customLong("env"),
        help: "An environment value, as K=V (repeatable); the process environment is used too.")
    var environment: [String] = []

    @Option(help: "The public base URL senders call, for senders that sign the URL (HubSpot v3).")
    var publicURL: String?

    func validate() throws {
        if (request == nil) == (body == nil) {
            throw ValidationError("give exactly one of --request FILE or --body FILE")
        }
    }

    func run() async throws {
        let (loaded, diagnostics) = PipelineLoader.load(file: pipeline)
        DiagnosticPrinter.print(diagnostics)
        guard let loaded else { throw ExitCode.failure }

        var webhook: WebhookRequest
        if let request {
            let (recorded, problems) = RequestRecording.load(file: request)
            DiagnosticPrinter.print(problems)
            guard let recorded else { throw ExitCode.failure }
            webhook = recorded
        } else {
            let file = body!
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw ValidationError("cannot read --body \(file)")
            }
            let type = file.hasSuffix(".json") ? "application/json" : ""
            webhook = WebhookRequest(
                method: loaded.trigger.method, path: loaded.trigger.path,
                headers: type.isEmpty ? [:] : ["content-type": type],
                body: Data())
        }
        for header in headers {
            guard let colon = header.firstIndex(of: ":") else {
                throw ValidationError("--header takes \"Name: value\", got \(header)")
            }
            webhook.headers[header[..<colon].trimmingCharacters(in: .whitespaces).lowercased()] =
                header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let answers = try CommandLineValues.fetchAnswers(fetches)
        let env = try CommandLineValues.environment(environment)
        if body != nil { DiagnosticPrinter.printError("note: --body has no signature to check; verification skipped") }
        var context = TransformContext(
            environment: env,
            fetcher: RecordedFetcher(sequences: answers, repeating: Set(answers.filter { $0.value.count == 1 }.keys)),
            verifySignatures: request != nil, publicURL: publicURL)
        context.secretNames = loaded.secretNames(environment: env)
        // Nothing is stored: no event needs its order key.
        context.orderKeys = false
        var output = LineWriter()
        var cost = PlanCost()
        var failed = false
        var outcome: RequestOutcome?
        // A list in a --body file is read chunk by chunk and planned element by element: memory stays flat
        // however large the batch.
        if let file = body, Self.isJSON(webhook), let chunks = FileBytes.chunks(file) {
            outcome = await loaded.planBatch(
                webhook, reading: chunks, bodyDigest: Pipeline.bodyDigest(of: FileBytes.chunkSequence(file)),
                context: context
            ) { event in
                output.write(plan: event)
                cost.add(event)
                if case .failed = event.status { failed = true }
            }
        }
        if outcome == nil {
            if let file = body {
                guard let bytes = FileBytes.read(file) else { throw ValidationError("cannot read --body \(file)") }
                webhook.body = Data(bytes)
            }
            outcome = await loaded.run(webhook, context: context)
        }
        switch outcome! {
        case .rejected(let status, let reason):
            output.flush()
            print(
                JSONValue.object([
                    "status": "rejected", "http_status": .number(Double(status)), "reason": .string(reason),
                ]).jsonText)
            throw ExitCode.failure
        case .handshake:
            print(#"{"status":"handshake"}"#)
        case .events(let events):
            for event in events {
                output.write(plan: event)
                cost.add(event)
                if case .failed = event.status { failed = true }
            }
            output.flush()
            printCost(cost)
            if failed { throw ExitCode.failure }
        }
    }

    /// Whether the body is JSON by its content type (as `Pipeline.parseBody` reads it), or has none.
    private static func isJSON(_ request: WebhookRequest) -> Bool {
        let type = (request.header("content-type") ?? "").lowercased()
        return type.isEmpty || type.hasPrefix("application/json") || type.contains("+json")
    }

    /// What the planned operations would cost of Crisp's daily request quota (on stderr: stdout stays JSON lines).
    private func printCost(_ cost: PlanCost) {
        let (new, most) = (cost.new, cost.atMost)
        let tier = ProcessInfo.processInfo.environment["CRISP_TIER"].flatMap { $0.isEmpty ? nil : $0 } ?? "plugin"
        let quota = CrispQuota.dailyQuota(tier: tier)
        let share = Double(most) / Double(quota)
        DiagnosticPrinter.printError(
            "note: these \(cost.events) event(s) cost \(new) Crisp request(s) for new contacts, at most \(most) "
                + "(values crisp-bridge already wrote cost none): "
                + (share < 0.01 ? "under 1%" : String(format: "up to %.0f%%", share * 100))
                + " of a day's quota of \(quota) (\(tier) token)"
                + (share > 1 ? String(format: ", %.1f days", share) : ""))
    }
}
