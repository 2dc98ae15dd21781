import Foundation
import Testing

@testable import BridgeCore

@Suite struct JSONArrayReaderTests {
    private func elements(_ text: String) throws -> [JSONValue]? {
        guard var reader = try JSONArrayReader(Array(text.utf8)) else { return nil }
        var out: [JSONValue] = []
        while let element = try reader.next() { out.append(element) }
        #expect(try reader.next() == nil, "stays at the end")
        return out
    }

    /// The elements (or the error) of `text` read in chunks of `size` bytes.
    private func elements(_ text: String, chunksOf size: Int) throws -> [JSONValue]? {
        var rest = ArraySlice(Array(text.utf8))
        let read = { () throws(BridgeCoreError) -> [UInt8] in
            defer { rest = rest.dropFirst(size) }
            return Array(rest.prefix(size))
        }
        guard var reader = try JSONArrayReader(reading: read) else { return nil }
        var out: [JSONValue] = []
        while let element = try reader.next() { out.append(element) }
        #expect(try reader.next() == nil, "stays at the end")
        return out
    }

    /// What reading gives, elements or the error's message.
    private func outcome(_ read: () throws -> [JSONValue]?) -> String {
        do {
            return try read().map { JSONValue.array($0).jsonText } ?? "not a list"
        } catch let error as BridgeCoreError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: [
        "\u{FEFF} [ {\"a\": [1, {\"b\": null}]}, \"x\\n\", 2.5 , [] ,{}, true ]\n", "[]", " [ ] ", "{\"a\": 1}", "  42",
        "[1, 2", "[1 2]", "[1,]", "[1] x", "[{\"a\": tru}]", "[12345, -0.5e10, \"é\u{1F600}ü\", \"\\u00e9\"]",
        "[\n  {\"name\": \"Zoë\"},\n  {\"name\": \"Åsa\"}\n  , x]", "[1,\n2,\n\"\u{1F600}\" 3]", "[\"a\", \"\\ud83d\"]",
        "        [1]      ", "[true, false, null]  \n\n ]",
    ])
    func chunksOfAnySizeReadAsTheWholeText(text: String) {
        let whole = outcome { try elements(text) }
        for size in [1, 2, 3, 5, 8, 64] {
            #expect(outcome { try elements(text, chunksOf: size) } == whole, "chunks of \(size) of \(text)")
        }
    }

    @Test func aCutUTF8SequenceIsJoinedAndABrokenOneRefused() {
        var bytes = Array("[\"é\u{1F600}\"]".utf8)
        #expect(outcome { try elements(String(decoding: bytes, as: UTF8.self), chunksOf: 1) } == #"["é😀"]"#)
        bytes.insert(0xFF, at: 3)
        var rest = ArraySlice(bytes)
        let read = { () throws(BridgeCoreError) -> [UInt8] in
            defer { rest = rest.dropFirst(2) }
            return Array(rest.prefix(2))
        }
        #expect(throws: BridgeCoreError.self) {
            guard var reader = try JSONArrayReader(reading: read) else { return }
            while try reader.next() != nil {}
        }
    }

    @Test func readsTheElementsOfAListOneByOneAsParseDoes() throws {
        let text = "\u{FEFF} [ {\"a\": [1, {\"b\": null}]}, \"x\\n\", 2.5 , [] ,{}, true ]\n"
        #expect(try elements(text) == JSONValue.parse(text).arrayValue)
        #expect(try elements("[]") == [])
        #expect(try elements(" [ ] ") == [])
    }

    @Test func aBodyThatIsNotAListIsNotRead() throws {
        #expect(try elements("{\"a\": 1}") == nil)
        #expect(try elements("  42") == nil)
    }

    @Test(arguments: [
        ("[1, 2", "the text ends inside a list"),
        ("[1 2]", "expected ',' or ']'"),
        ("[1,]", "unexpected character"),
        ("[1] x", "unexpected text after the JSON value"),
        ("[{\"a\": tru}]", "unexpected character"),
    ])
    func errorsAreThoseOfParse(text: String, message: String) throws {
        #expect(throws: BridgeCoreError.self) { try JSONValue.parse(text) }
        do {
            _ = try elements(text)
            Issue.record("read \(text) without an error")
        } catch let error as BridgeCoreError {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func writeJSONIsJSONTextAsBytes() throws {
        let value: JSONValue = [
            "b": [1, -2, 2.5, 9_007_199_254_740_993, true, nil], "a": "q\"\\\n\u{1}é", "c": ["z": 1, "y": 2, "x": 3],
            "d": [:], "e": [], "f": ["k5": 5, "k1": 1, "k4": 4, "k3": 3, "k2": 2],
        ]
        var bytes: [UInt8] = []
        value.writeJSON(to: &bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(
            text
                == #"{"a":"q\"\\\n\u0001é","b":[1,-2,2.5,9007199254740992.0,true,null],"c":{"x":3,"y":2,"z":1},"d":{},"e":[],"f":{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5}}"#
        )
        #expect(try JSONValue.parse(text) == value)
    }
}
