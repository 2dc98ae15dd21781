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
