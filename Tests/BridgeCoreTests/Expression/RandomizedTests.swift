import Foundation
import Testing

@testable import BridgeCore

/// A small seeded generator, so a failing run can be repeated.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct RandomizedTests {
    static let seed = UInt64(ProcessInfo.processInfo.environment["CRISP_BRIDGE_SEED"] ?? "") ?? 20_261_123

    static let pieces = [
        "a", "b", "x", "body", "event", "1", "0", "-", "2.5", "1e400", "\"s\"", "'t'", "\"\\u00", "\\", "(", ")", "[",
        "]", "{", "}", ",", ":", "?", "??", ".", "=>", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", "+", "*",
        "/", "%", " ", "null", "true", "lower", "map", "filter", "join", "date", "phone", "é", "\n", "${{", "}}",
        "#", "=", "&", "|",
    ]

    @Test func arbitraryTextNeverCrashesTheLexerParserOrCompiler() {
        var rng = SplitMix64(state: Self.seed)
        var parsed = 0
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...14, using: &rng)
            let text = (0..<count).map { _ in Self.pieces.randomElement(using: &rng)! }.joined()
            if (try? Parser.parse(text)) != nil { parsed += 1 }
            _ = try? Template.parts(of: text)
            _ = try? eval(text, ["a": 1, "b": "two", "x": [1, 2], "body": ["k": "v"], "event": nil])
        }
        #expect(parsed > 100, "the generator should also produce valid expressions (seed \(Self.seed))")
    }

    @Test func arbitraryBytesNeverCrashTheLexer() {
        var rng = SplitMix64(state: Self.seed &+ 1)
        for _ in 0..<5_000 {
            let scalars = (0..<Int.random(in: 0...20, using: &rng)).compactMap { _ in
                Unicode.Scalar(UInt32.random(in: 0...0x2FF, using: &rng))
            }
            _ = try? Lexer.tokenize(String(String.UnicodeScalarView(scalars)))
        }
    }

    static func randomJSON(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0...(depth > 2 ? 3 : 5), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2:
            let specials: [Double] = [0, -1, 1e300, -1e300, 0.5, 9_007_199_254_740_992, 1_749_721_267_512, -0.0]
            return .number(
                Bool.random(using: &rng)
                    ? specials.randomElement(using: &rng)! : Double.random(in: -1e6...1e6, using: &rng))
        case 3:
            let texts = ["", " ", "Ada", "ada@example.com", "2025-06-12", "+44 20", "é", "1,2", "0", "yes", "(", "$1"]
            return .string(texts.randomElement(using: &rng)!)
        case 4: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in randomJSON(&rng, depth: depth + 1) })
        default:
            var o: [String: JSONValue] = [:]
            for key in ["a", "b", "email", "x y"].prefix(Int.random(in: 0...4, using: &rng)) {
                o[key] = randomJSON(&rng, depth: depth + 1)
            }
            return .object(o)
        }
    }

    @Test func arbitraryJSONNeverCrashesTheEvaluator() {
        var rng = SplitMix64(state: Self.seed &+ 2)
        var expressions = [
            "x + y", "x - y", "x * y", "x / y", "x % y", "x < y", "x >= y", "x == y", "x && y", "x || y", "x ?? y",
            "!x", "-x", "x ? x : y", "x[y]", "x.a.b", "x[0]", "[x, y]", "{k: x}",
        ]
        for f in FunctionRegistry.builtins.sorted {
            switch f.body {
            case .lambda: expressions.append("\(f.name)(x, v => v)")
            case .plain:
                let count = f.arity.upperBound == Int.max ? 3 : f.arity.upperBound
                expressions.append("\(f.name)(\((0..<count).map { $0 % 2 == 0 ? "x" : "y" }.joined(separator: ", ")))")
                if f.arity.lowerBound < count {
                    expressions.append(
                        "\(f.name)(\((0..<f.arity.lowerBound).map { _ in "x" }.joined(separator: ", ")))")
                }
            }
        }
        var evaluated = 0
        for _ in 0..<400 {
            let x = Self.randomJSON(&rng)
            let y = Self.randomJSON(&rng)
            for e in expressions {
                do {
                    _ = try eval(e, ["x": x, "y": y])
                    evaluated += 1
                } catch {
                    #expect(error.kind == .evaluation, "\(e) with x=\(x), y=\(y): \(error)")
                }
            }
        }
        #expect(evaluated > 1000)
    }
}
