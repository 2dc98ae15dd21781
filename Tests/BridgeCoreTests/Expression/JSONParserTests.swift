import Foundation
import Testing

@testable import BridgeCore

@Suite struct JSONParserTests {
    @Test func readsEveryKindOfValue() throws {
        let value = try JSONValue.parse(
            #" {"a": [1, -2.5e2, 0, true, false, null], "s": "é\n\u00e9\ud83d\ude00\/", "o": {}} "#)
        #expect(value == ["a": [1, -250, 0, true, false, nil], "s": "é\né😀/", "o": [:]])
        #expect(try JSONValue.parse("94528173401") == 94_528_173_401)
        #expect(try JSONValue.parse("\"x\"") == "x")
    }

    @Test(arguments: [
        ("{\"a\": 1,}", "line 1, column 9"),
        ("[1 2]", "expected ',' or ']'"),
        ("{\n  \"a\": tru\n}", "line 2, column 8"),
        ("\"\\x\"", "unknown escape"),
        ("01", "unexpected text after the JSON value"),
        ("\"a\nb\"", "control character"),
        ("", "the text ends"),
        ("\"\\ud800\"", "surrogate"),
        (String(repeating: "[", count: 600), "nested more than 512"),
    ])
    func errorsSayWhereTheTextIsWrong(text: String, fragment: String) {
        do {
            _ = try JSONValue.parse(text)
            Issue.record("parsed \(text)")
        } catch {
            #expect(error.kind == .invalidJSON)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func invalidUTF8AndNumbersTooLargeAreRefusedWithTheirPlace() throws {
        for (bytes, fragment) in [
            (Array(#"{"name": "Ad"#.utf8) + [0xE9] + Array(#"a"}"#.utf8), "not UTF-8 (byte offset 12)"),
            (Array(#"["ok", "\#u{E9}", "#.utf8) + [0xC3, 0x28] + Array(#""]"#.utf8), "not UTF-8 (byte offset 13)"),
            (Array(#"{"n": 1e999}"#.utf8), "'1e999' is too large for a number at line 1, column 7"),
            (Array(#"[-1e400]"#.utf8), "too large"),
        ] {
            do {
                _ = try JSONValue.parse(Data(bytes))
                Issue.record("parsed \(bytes)")
            } catch {
                #expect(error.kind == .invalidJSON)
                #expect(error.message.contains(fragment), "\(error.message)")
            }
        }
        // valid multi-byte text and large finite numbers still read
        #expect(try JSONValue.parse(Data(#"{"name": "Zoë 🙂", "n": 1e300}"#.utf8))["name"] == "Zoë 🙂")
    }

    /// Our reading round-trips exactly, and agrees with Foundation's up to Foundation's last-digit rounding of
    /// some decimals on Linux (ours is the correctly rounded one: it gives the written value back).
    @Test func roundTripsAndAgreesWithFoundationOnRandomDocuments() throws {
        var rng = SplitMix64(state: RandomizedTests.seed &+ 3)
        for _ in 0..<2_000 {
            let value = RandomizedTests.randomJSON(&rng)
            for text in [value.jsonText, value.prettyJSONText] {
                let ours = try JSONValue.parse(text)
                #expect(ours == value, "\(text)")
                let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
                #expect(Self.nearlyEqual(ours, JSONValue(foundationValue: foundation)), "\(text)")
            }
        }
    }

    static func nearlyEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x == y || abs(x - y) <= abs(x) * 1e-15
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { nearlyEqual($0, $1) }
        case (.object(let x), .object(let y)):
            return x.keys == y.keys && x.allSatisfy { nearlyEqual($0.value, y[$0.key]!) }
        default: return a == b
        }
    }
}

extension JSONValue {
    /// What Foundation's parser read, as a JSONValue (booleans told apart from numbers by their class).
    init(foundationValue value: Any) {
        switch value {
        case let s as String: self = .string(s)
        case let n as NSNumber:
            self = type(of: n) == type(of: NSNumber(value: true)) ? .bool(n.boolValue) : .number(n.doubleValue)
        case let a as [Any]: self = .array(a.map(JSONValue.init(foundationValue:)))
        case let o as [String: Any]: self = .object(o.mapValues(JSONValue.init(foundationValue:)))
        default: self = .null
        }
    }
}
