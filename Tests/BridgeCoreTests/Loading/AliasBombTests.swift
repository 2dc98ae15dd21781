import Foundation
import Testing

@testable import BridgeCore

/// YAML alias bombs (lists of lists of aliases, each level multiplying the last) are refused quickly, with a
/// located error, wherever they are written.
@Suite struct AliasBombTests {
    /// Anchors `b0` … `b(depth-1)`, each a list of nine aliases to the one before, as lines indented by `indent`.
    static func anchors(depth: Int, indent: String) -> String {
        var lines = ["\(indent)b0: &b0 [\"lol\"]"]
        for level in 1..<depth {
            let items = Array(repeating: "*b\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("\(indent)b\(level): &b\(level) [\(items)]")
        }
        return lines.joined(separator: "\n")
    }

    /// A valid pipeline with the bomb in `place`: "segments" (an action's list) or "fetch" (a fetch body).
    static func pipeline(depth: Int, place: String) -> String {
        let top = depth - 1
        let fetch =
            place == "fetch"
            ? """
            fetch:
              page:
                method: POST
                url: https://api.example.com/search
                body:
                  filters:
            \(anchors(depth: depth, indent: "        "))
                  all: *b\(top)

            """ : ""
        let segments = place == "segments" ? "*b\(top)" : "[lead]"
        let anchorsBeforeActions = place == "segments" ? "x-anchors:\n\(anchors(depth: depth, indent: "  "))\n" : ""
        return """
            name: bomb
            trigger:
              webhook:
                path: /hooks/bomb
                verify:
                  header: { name: x-key, value: "${{ env.KEY }}" }
            \(fetch)\(anchorsBeforeActions)actions:
              - crisp.profile:
                  email: ada@example.com
                  segments: \(segments)
            """
    }

    /// Loads within a deadline, so a regression fails instead of hanging the suite.
    static func timed<T>(_ body: () -> T) -> (T, Duration) {
        let clock = ContinuousClock()
        var result: T?
        let elapsed = clock.measure { result = body() }
        return (result!, elapsed)
    }

    @Test(arguments: [7, 9, 12], ["segments", "fetch"])
    func aBombInAPipelineIsRefusedAtItsPlace(depth: Int, place: String) throws {
        let text = Self.pipeline(depth: depth, place: place)
        let ((pipeline, diagnostics), elapsed) = Self.timed { loadPipeline(text, file: "bomb.yaml") }
        #expect(pipeline == nil)
        let error = try #require(diagnostics.first { $0.message.contains("aliases") }, "\(diagnostics)")
        #expect(error.location.file == "bomb.yaml")
        #expect(error.location.line > 1)
        #expect(error.message.contains("expand to more than"))
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }

    @Test func aFewAliasesStillWork() throws {
        let text = """
            name: anchors
            trigger:
              webhook:
                path: /hooks/anchors
                verify:
                  header: { name: x-key, value: "${{ env.KEY }}" }
            actions:
              - crisp.profile:
                  email: ada@example.com
                  segments: &tags [lead, crm]
              - crisp.profile:
                  email: grace@example.com
                  segments: *tags
            """
        let (pipeline, diagnostics) = loadPipeline(text)
        #expect(!diagnostics.hasErrors, "\(diagnostics)")
        #expect(pipeline?.actions.count == 2)
    }

    @Test(arguments: [8, 11])
    func aBombInATestFileOrARecordingIsRefused(depth: Int) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.pipeline(depth: 2, place: "none").write(
            toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let bomb = Self.anchors(depth: depth, indent: "  ")
        let recording = """
            method: POST
            path: /hooks/bomb
            headers: { x-key: k }
            x-anchors:
            \(bomb)
            body: '{"all": 1}'
            query: { all: *b\(depth - 1) }
            """
        try recording.write(toFile: folder + "/r.yaml", atomically: true, encoding: .utf8)
        let (request, recordingDiagnostics) = Self.timed { RequestRecording.load(file: folder + "/r.yaml") }.0
        #expect(request == nil)
        #expect(recordingDiagnostics.contains { $0.message.contains("aliases") && $0.location.line > 1 })

        let tests = """
            pipeline: p.yaml
            env: { KEY: k }
            x-anchors:
            \(bomb)
            cases:
              - name: one
                request: { method: POST, path: /hooks/bomb, headers: { x-key: k }, body: "{}" }
                expect: *b\(depth - 1)
            """
        try tests.write(toFile: folder + "/p.test.yaml", atomically: true, encoding: .utf8)
        let clock = ContinuousClock()
        let start = clock.now
        let report = await TestRunner.run(paths: [folder + "/p.test.yaml"])
        #expect(clock.now - start < .seconds(5))
        #expect(
            report.diagnostics.contains { $0.message.contains("aliases") && $0.location.file.hasSuffix("p.test.yaml") },
            "\(report.diagnostics)")
    }
}
