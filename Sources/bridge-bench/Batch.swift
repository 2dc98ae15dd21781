import ArgumentParser
import BridgeCore
import Foundation

/// `bridge-bench batch`: one batch body through a pipeline with the library alone (no CLI): parse, split, plan
/// every event and write each event's plan as a JSON line, as `crisp-bridge plan` does. Prints one JSON object:
/// events, seconds, events/s and the peak resident memory.
struct Batch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan a batch body through a pipeline with the library alone; print the figures as JSON.")

    @Option(help: "The pipeline file.")
    var pipeline: String

    @Option(help: "The body file (one JSON array for a pipeline with `each: body`).")
    var body: String

    @Option(help: "Where the JSON lines go.")
    var output = "/dev/null"

    @Flag(help: "Parse the whole body and plan all events before writing (`Pipeline.run`), not element by element.")
    var whole = false

    func run() async throws {
        let (loaded, diagnostics) = PipelineLoader.load(file: pipeline)
        guard let loaded else {
            print(diagnostics.map(\.description).joined(separator: "\n"))
            throw ExitCode.failure
        }
        if !FileManager.default.fileExists(atPath: output) {
            _ = FileManager.default.createFile(atPath: output, contents: nil)
        }
        guard let sink = FileHandle(forWritingAtPath: output) else {
            throw ValidationError("cannot write \(output)")
        }
        let clock = ContinuousClock()
        let start = clock.now
        guard let bytes = Self.read(body) else { throw ValidationError("cannot read \(body)") }
        let request = WebhookRequest(
            method: loaded.trigger.method, path: loaded.trigger.path, headers: ["content-type": "application/json"],
            body: Data())
        var context = TransformContext(environment: [:], fetcher: RecordedFetcher([:]), verifySignatures: false)
        context.orderKeys = false  // as `crisp-bridge plan`: nothing is stored
        var events = 0
        var buffer: [UInt8] = []
        let emit = { (event: EventOutcome) in
            event.writePlanJSON(to: &buffer)
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 16 {
                sink.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
            events += 1
        }
        if whole {
            var complete = request
            complete.body = Data(bytes)
            guard case .events(let outcomes) = await loaded.run(complete, context: context) else {
                throw ValidationError("the pipeline rejected the body")
            }
            outcomes.forEach(emit)
        } else {
            guard case .events? = await loaded.planBatch(request, bytes: bytes, context: context, emit: emit) else {
                throw ValidationError("the pipeline cannot plan this body element by element, or rejected it")
            }
        }
        sink.write(Data(buffer))
        let seconds = (clock.now - start).seconds
        let figures: JSONValue = [
            "events": .number(Double(events)),
            "seconds": .number((seconds * 1000).rounded() / 1000),
            "events_per_s": .number((Double(events) / seconds).rounded()),
            "peak_rss_bytes": .number(Double(Measurement.peakResidentBytes())),
        ]
        print(figures.jsonText)
    }

    /// The file's bytes, read in chunks into one array.
    private static func read(_ path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { bytes.append(contentsOf: chunk) }
        return bytes
    }
}
