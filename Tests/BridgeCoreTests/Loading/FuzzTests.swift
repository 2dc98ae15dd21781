import Foundation
import Testing

@testable import BridgeCore

/// Thousands of generated and mutated inputs through the YAML loader (pipelines and test files), the
/// expression parser and the JSON reader: none crashes or hangs, memory stays bounded, and every refusal says
/// where. The seed is printed on failure; `CRISP_BRIDGE_SEED` repeats a run.
@Suite struct FuzzTests {
    static let seed = UInt64(ProcessInfo.processInfo.environment["CRISP_BRIDGE_SEED"] ?? "") ?? 20_261_201

    /// The slowest one input may take.
    static let perInput = Duration.seconds(2)

    /// Fragments that tend to break YAML, expressions and JSON.
    static let yamlPieces = [
        "\t", ": ", " #", "{", "}", "[", "]", "- ", "? ", "&a ", "*a", "&b [*a, *a, *a, *a]", "\"", "'", "\\",
        "${{", "}}", "${{ env.X }}", "\n", "\n  ", "\n      ", "%YAML 1.1\n", "---\n", "...\n", "!!binary ", "|\n",
        ">-\n", "\u{0}", "\u{FEFF}", "é", "1e999", "0x1F", "~", "null", "<<: *a", "!tag ",
    ]

    /// The peak resident memory of this process so far, in megabytes (Linux; 0 elsewhere).
    static func peakMemoryMB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }

    /// A copy of `text` with a few random edits: cut, repeat, insert a fragment, or truncate.
    static func mutate(_ text: String, _ rng: inout SplitMix64, pieces: [String]) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let at = scalars.isEmpty ? 0 : Int.random(in: 0..<scalars.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0:
                let end = min(scalars.count, at + Int.random(in: 1...40, using: &rng))
                scalars.removeSubrange(at..<end)
            case 1:
                let end = min(scalars.count, at + Int.random(in: 1...60, using: &rng))
                scalars.insert(contentsOf: scalars[at..<end], at: at)
            case 2, 3:
                scalars.insert(contentsOf: pieces.randomElement(using: &rng)!.unicodeScalars, at: at)
            default:
                scalars.removeSubrange(at...)
            }
        }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Every diagnostic is in the named file, at a line and column that exist.
    static func located(_ diagnostics: [Diagnostic], file: String, text: String) -> Bool {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        return diagnostics.allSatisfy {
            $0.location.file == file && $0.location.line >= 1 && $0.location.line <= lines + 1
                && $0.location.column >= 1
        }
    }

    static func examples(_ suffix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Paths.pipelines).filter { $0.hasSuffix(suffix) }.sorted()
            .map { try String(contentsOfFile: Paths.pipelines + "/" + $0, encoding: .utf8) }
    }

    @Test func mutatedPipelinesLoadOrFailWithLocatedErrors() throws {
        var rng = SplitMix64(state: Self.seed)
        let originals = try Self.examples(".yaml").filter { !$0.hasPrefix("pipeline:") }
        var refused = 0
        var slowest = Duration.zero
        let clock = ContinuousClock()
        for round in 0..<2_000 {
            var text = Self.mutate(originals[round % originals.count], &rng, pieces: Self.yamlPieces)
            if round % 97 == 0 {  // now and then an alias bomb of random depth, somewhere in the file
                let depth = Int.random(in: 4...12, using: &rng)
                text +=
                    "\nx: &b0 [lol]\n"
                    + (1..<depth).map {
                        "y\($0): &b\($0) [\(Array(repeating: "*b\($0 - 1)", count: 9).joined(separator: ", "))]"
                    }
                    .joined(separator: "\n")
            }
            let start = clock.now
            let (pipeline, diagnostics) = PipelineLoader.load(source: SourceFile(path: "fuzz.yaml", text: text))
            slowest = max(slowest, clock.now - start)
            if pipeline == nil {
                refused += 1
                #expect(
                    diagnostics.hasErrors,
                    "refused without an error (seed \(Self.seed), round \(round)): \(text.prefix(300))")
            }
            #expect(Self.located(diagnostics, file: "fuzz.yaml", text: text), "seed \(Self.seed), round \(round)")
            #expect(clock.now - start < Self.perInput, "round \(round) took \(clock.now - start) (seed \(Self.seed))")
        }
        #expect(refused > 200, "the mutations should break many files (\(refused))")
        #expect(Self.peakMemoryMB() < 2_000, "peak memory \(Self.peakMemoryMB()) MB")
    }

    @Test func mutatedTestFilesLoadOrFailWithLocatedErrors() throws {
        var rng = SplitMix64(state: Self.seed &+ 1)
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: Paths.pipelines, toPath: folder + "/pipelines")
        let originals = try Self.examples(".test.yaml")
        let clock = ContinuousClock()
        for round in 0..<400 {
            let text = Self.mutate(originals[round % originals.count], &rng, pieces: Self.yamlPieces)
            let file = folder + "/pipelines/fuzz.test.yaml"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let start = clock.now
            let (suite, diagnostics) = TestSuiteLoader.load(file: file)
            if suite == nil { #expect(diagnostics.hasErrors, "seed \(Self.seed &+ 1), round \(round)") }
            // Diagnostics may point into the pipeline or a recording the test file names; none is unplaced.
            #expect(diagnostics.allSatisfy { $0.location.line >= 1 && $0.location.column >= 1 })
            #expect(clock.now - start < Self.perInput, "round \(round) took \(clock.now - start)")
        }
    }

    @Test func generatedExpressionsParseOrFailWithAnOffsetInTheText() {
        var rng = SplitMix64(state: Self.seed &+ 2)
        let pieces =
            RandomizedTests.pieces + ["(", "((((((((((", "!!!!!!!!", "1+1+1+1+1+", ".a.a.a.a", "1e999", "\u{0}"]
        let clock = ContinuousClock()
        for round in 0..<5_000 {
            var text = (0..<Int.random(in: 0...20, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }
                .joined()
            if round % 250 == 0 {
                text = String(repeating: ["(", "!", "-", "1+", "a."][round / 250 % 5], count: 5_000) + "1"
            }
            let start = clock.now
            do {
                _ = try Parser.parse(text)
            } catch {
                #expect(error.offset >= 0 && error.offset <= text.unicodeScalars.count, "\(text.prefix(80))")
                #expect(!error.message.isEmpty)
            }
            _ = try? eval(text, ["a": ["a": 1], "b": "two", "x": [1, 2], "body": ["k": "v"]])
            #expect(clock.now - start < Self.perInput, "round \(round) took \(clock.now - start)")
        }
    }

    @Test func mutatedJSONParsesOrFailsWithItsPlace() throws {
        var rng = SplitMix64(state: Self.seed &+ 3)
        var originals: [[UInt8]] = []
        let recordings = Paths.pipelines + "/recordings"
        for case let path as String in FileManager.default.enumerator(atPath: recordings)! where path.hasSuffix(".json")
        {
            originals.append(Array(try Data(contentsOf: URL(fileURLWithPath: recordings + "/" + path))))
        }
        #expect(originals.count >= 5)
        let hostile: [[UInt8]] = [
            Array(repeating: UInt8(ascii: "["), count: 100_000), Array("1e999".utf8), Array("-1e400".utf8),
            [0x22, 0xC3, 0x28, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], Array("\"\\ud800\"".utf8), [0xFF, 0xFE],
            Array("{\"a\":".utf8), Array(repeating: UInt8(ascii: "9"), count: 10_000),
        ]
        let clock = ContinuousClock()
        for round in 0..<3_000 {
            var bytes = round < hostile.count ? hostile[round] : originals[round % originals.count]
            if round >= hostile.count {
                for _ in 0..<Int.random(in: 1...3, using: &rng) where !bytes.isEmpty {
                    let at = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                    case 1: bytes.removeSubrange(at...)
                    case 2: bytes.insert(contentsOf: [0xC3, 0x28], at: at)
                    default: bytes.insert(contentsOf: Array("1e999,[[[[".utf8), at: at)
                    }
                }
            }
            let start = clock.now
            do {
                let value = try JSONValue.parse(Data(bytes))
                #expect(!value.jsonText.contains("inf"), "a number that overflows was read (round \(round))")
            } catch {
                #expect(error.kind == .invalidJSON, "\(error)")
                #expect(error.message.contains(" at line "), "\(error.message)")
            }
            #expect(clock.now - start < Self.perInput, "round \(round) took \(clock.now - start)")
        }
    }
}
