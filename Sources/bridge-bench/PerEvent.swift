import ArgumentParser
import BridgeCore
import Foundation

/// `bridge-bench per-event`: the HubSpot pipeline over its recorded payloads (signature check, body parse, split,
/// fetch answer parse, `let`, three actions, Crisp checks) against the same mapping written by hand in Swift,
/// measured in the same run. One core; figures are events per second, medians of the runs.
struct PerEvent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "per-event",
        abstract: "The HubSpot pipeline per event, against the same mapping written by hand in Swift.")

    @Option(help: "Seconds per measurement.")
    var seconds = 1.0

    @Option(help: "Runs; the medians are reported.")
    var runs = 7

    @Option(help: "The repository root (pipelines/ and its recordings).")
    var repository = FileManager.default.currentDirectoryPath

    @Option(help: "Measure only this (`pipeline`: the verified pipeline alone, for `perf record`).")
    var only: String?

    @Option(help: "Also write the medians as JSON to this file.")
    var json: String?

    func validate() throws {
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
        if seconds <= 0 { throw ValidationError("--seconds must be positive") }
        if let only, only != "pipeline" { throw ValidationError("--only takes `pipeline`") }
    }

    func run() async throws {
        try await measureAll()
    }

    /// Nonisolated, so the measured calls run on the global executor as they would in the server.
    nonisolated func measureAll() async throws {
        let root = repository
        let (loaded, diagnostics) = PipelineLoader.load(file: root + "/pipelines/hubspot-contact-created.yaml")
        guard let pipeline = loaded else {
            print(diagnostics.map(\.description).joined(separator: "\n"))
            throw ExitCode.failure
        }
        let (recorded, _) = RequestRecording.load(file: root + "/pipelines/recordings/hubspot/contact-creation.yaml")
        guard let request = recorded,
            let contact = FileManager.default.contents(
                atPath: root + "/pipelines/recordings/hubspot/contact-94528173401.json")
        else {
            throw ValidationError("cannot read the HubSpot recordings under \(root)/pipelines; give --repository")
        }
        let events = (try? JSONValue.parse(request.body))?.arrayValue?.count ?? 0

        let context = TransformContext(
            environment: ["HUBSPOT_CLIENT_SECRET": "demo-client-secret-0000", "HUBSPOT_TOKEN": "test-token"],
            fetcher: RecordedFetcher(["contact": FetchResponse(status: 200, body: contact)]),
            verifySignatures: true, now: request.receivedAt, publicURL: "https://bridge.example.com")
        var unverified = context
        unverified.verifySignatures = false

        // Check once that the pipeline really plans what it should before timing it.
        guard case .events(let outcomes) = await pipeline.run(request, context: context),
            outcomes.allSatisfy({ if case .planned(let ops) = $0.status { ops.count == 3 } else { false } }),
            HandWrittenMapping.operations(body: request.body, contact: contact) == 3 * events
        else {
            print("the HubSpot pipeline did not plan 3 operations per event; not measuring")
            throw ExitCode.failure
        }

        print(
            "per-event benchmark: hubspot-contact-created, \(events) events per request, \(runs) runs of \(seconds) s")
        if only == "pipeline" {
            let rate = await Measurement.rate(seconds: seconds, eventsPerCall: events) {
                _ = await pipeline.run(request, context: context)
            }
            print(String(format: "pipeline, signature verified: %.0f events/s", rate))
            return
        }
        var baseline: [Double] = []
        var full: [Double] = []
        var planOnly: [Double] = []
        for run in 1...runs {
            baseline.append(
                await Measurement.rate(seconds: seconds, eventsPerCall: events) {
                    _ = HandWrittenMapping.operations(body: request.body, contact: contact)
                })
            full.append(
                await Measurement.rate(seconds: seconds, eventsPerCall: events) {
                    _ = await pipeline.run(request, context: context)
                })
            planOnly.append(
                await Measurement.rate(seconds: seconds, eventsPerCall: events) {
                    _ = await pipeline.run(request, context: unverified)
                })
            print(
                String(
                    format: "run %d: hand-written %.0f ev/s, pipeline %.0f ev/s (verified), %.0f ev/s (unverified)",
                    run, baseline.last!, full.last!, planOnly.last!))
        }
        let b = Measurement.median(baseline)
        let f = Measurement.median(full)
        let p = Measurement.median(planOnly)
        print(String(format: "median hand-written baseline:        %10.0f events/s", b))
        print(String(format: "median pipeline, signature verified: %10.0f events/s  (%.2f× baseline)", f, f / b))
        print(String(format: "median pipeline, no verification:    %10.0f events/s  (%.2f× baseline)", p, p / b))
        if let json {
            let figures: JSONValue = [
                "hand_written_events_per_s": .number(b.rounded()),
                "pipeline_verified_events_per_s": .number(f.rounded()),
                "pipeline_unverified_events_per_s": .number(p.rounded()),
                "ratio_verified": .number((f / b * 100).rounded() / 100),
                "ratio_unverified": .number((p / b * 100).rounded() / 100),
            ]
            try Data(figures.jsonText.utf8).write(to: URL(fileURLWithPath: json))
        }
    }
}
