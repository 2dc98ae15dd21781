import BridgeCore
import Foundation

// Transform throughput of the HubSpot example pipeline over its recorded payloads, against a baseline
// measured in the same run: the same mapping written by hand in Swift over the same parsed JSON.
//
//   swift run -c release bridge-bench [--seconds S] [--runs N]
//
// Prints each run and the medians. Figures are events per second on one core (the loop is sequential).

struct Options {
    var seconds = 1.0
    var runs = 7
    var repository = FileManager.default.currentDirectoryPath
    /// `--only pipeline` measures only the verified pipeline (for profiling).
    var only: String?

    init(_ arguments: [String]) {
        var i = 1
        while i < arguments.count {
            switch arguments[i] {
            case "--seconds": seconds = Double(arguments[i + 1]) ?? seconds; i += 1
            case "--runs": runs = Int(arguments[i + 1]) ?? runs; i += 1
            case "--repository": repository = arguments[i + 1]; i += 1
            case "--only": only = arguments[i + 1]; i += 1
            default: break
            }
            i += 1
        }
    }
}

func load(_ path: String) -> Data {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("cannot read \(path); run from the repository root\n".utf8))
        exit(1)
    }
    return data
}

/// Runs `body` (which handles `eventsPerCall` events) repeatedly for about `seconds`; returns events per second.
nonisolated func measure(seconds: Double, eventsPerCall: Int, _ body: () async -> Void) async -> Double {
    let clock = ContinuousClock()
    var calls = 0
    let start = clock.now
    let limit = Duration.milliseconds(Int(seconds * 1000))
    while clock.now - start < limit {
        for _ in 0..<50 { await body() }
        calls += 50
    }
    let elapsed = clock.now - start
    let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Double(calls * eventsPerCall) / s
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

/// The HubSpot mapping by hand: what the pipeline's expressions do, without the interpreter.
func handWritten(body: Data, contact: Data) -> Int {
    guard case .array(let events)? = try? JSONValue.parse(body) else { return 0 }
    var operations = 0
    for event in events where event["subscriptionType"] == "contact.creation" {
        guard let props = (try? JSONValue.parse(contact))?["properties"],
            let email = props["email"].stringValue.flatMap(EmailAddress.normalize)
        else { continue }
        let nickname = [props["firstname"].stringValue, props["lastname"].stringValue].compactMap { $0 }
            .filter { !$0.isEmpty }.joined(separator: " ")
        var person: [String: JSONValue] = ["nickname": .string(nickname)]
        if let phone = props["phone"].stringValue { person["phone"] = .string(phone.filter { $0 != " " }) }
        if let country = props["country"].stringValue {
            person["geolocation"] = ["country": .string(String(country.prefix(2)).uppercased())]
        }
        var segments = ["hubspot"]
        if let stage = props["lifecyclestage"].stringValue { segments.append(stage) }
        let plan: [CrispOperation] = [
            .profile(
                ProfileUpsert(
                    email: email, person: person, company: ["name": props["company"]], segments: segments, notepad: nil,
                    active: nil)),
            .data(
                DataUpdate(
                    email: email, mode: .merge,
                    data: [
                        "hubspot_id": .string(JSONValue.format(number: event["objectId"].numberValue ?? 0)),
                        "lifecycle_stage": props["lifecyclestage"],
                    ], unset: [])),
            .event(ProfileEvent(email: email, text: "Created in HubSpot", data: [:], color: "orange")),
        ]
        operations += plan.count
    }
    return operations
}

@main
struct BridgeBench {
    static func main() async {
        await run(Options(CommandLine.arguments))
    }

    /// Nonisolated, so the measured calls run on the global executor as they would in the server.
    nonisolated static func run(_ options: Options) async {
        let root = options.repository
        let (loaded, diagnostics) = PipelineLoader.load(file: root + "/pipelines/hubspot-contact-created.yaml")
        guard let pipeline = loaded else {
            print(diagnostics.map(\.description).joined(separator: "\n"))
            exit(1)
        }
        let (recorded, _) = RequestRecording.load(file: root + "/pipelines/recordings/hubspot/contact-creation.yaml")
        guard let request = recorded else { exit(1) }
        let contact = load(root + "/pipelines/recordings/hubspot/contact-94528173401.json")
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
            handWritten(body: request.body, contact: contact) == 3 * events
        else {
            print("the HubSpot pipeline did not plan 3 operations per event; not measuring")
            exit(1)
        }

        print(
            "transform benchmark: hubspot-contact-created, \(events) events per request, \(options.runs) runs of \(options.seconds) s"
        )
        var baseline: [Double] = []
        var full: [Double] = []
        var planOnly: [Double] = []
        if options.only == "pipeline" {
            let rate = await measure(seconds: options.seconds, eventsPerCall: events) {
                _ = await pipeline.run(request, context: context)
            }
            print(String(format: "pipeline, signature verified: %.0f events/s", rate))
            return
        }
        for run in 1...options.runs {
            baseline.append(
                await measure(seconds: options.seconds, eventsPerCall: events) {
                    _ = handWritten(body: request.body, contact: contact)
                })
            full.append(
                await measure(seconds: options.seconds, eventsPerCall: events) {
                    _ = await pipeline.run(request, context: context)
                })
            planOnly.append(
                await measure(seconds: options.seconds, eventsPerCall: events) {
                    _ = await pipeline.run(request, context: unverified)
                })
            print(
                String(
                    format: "run %d: hand-written %.0f ev/s, pipeline %.0f ev/s (verified), %.0f ev/s (unverified)",
                    run, baseline.last!, full.last!, planOnly.last!))
        }
        let b = median(baseline)
        let f = median(full)
        let p = median(planOnly)
        print(String(format: "median hand-written baseline:        %10.0f events/s", b))
        print(String(format: "median pipeline, signature verified: %10.0f events/s  (%.2f× baseline)", f, f / b))
        print(String(format: "median pipeline, no verification:    %10.0f events/s  (%.2f× baseline)", p, p / b))
    }
}
