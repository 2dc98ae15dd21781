import Foundation
import Testing

@testable import BridgeCore

@Suite struct FunctionExampleTests {
    static let documentedFunctions = [
        "lower", "upper", "trim", "split", "join", "replace", "regex_match", "regex_replace", "concat", "coalesce",
        "default", "string", "number", "int", "bool", "length", "first", "last", "keys", "values", "contains",
        "starts_with", "ends_with", "map", "filter", "date", "unix_ms", "country_code", "phone", "email",
        "split_name", "data_key", "sha256", "base64", "url_encode", "json",
    ]

    @Test func everyFunctionOfTheDesignExistsAndHasAnExample() {
        for name in Self.documentedFunctions {
            let function = FunctionRegistry.builtins[name]
            #expect(function != nil, "\(name) is missing")
            #expect(function?.examples.isEmpty == false, "\(name) has no example")
        }
    }

    @Test(
        arguments: FunctionRegistry.builtins.sorted.flatMap { f in f.examples.map { (f.name, $0.expression, $0.result) }
        })
    func documentedExampleGivesItsResult(function: String, expression: String, result: String) throws {
        let expected = try JSONValue.parse(result)
        #expect(try eval(expression) == expected, "\(function): \(expression)")
    }

    @Test func docsFileIsTheGeneratedDocumentation() throws {
        let path = Paths.repository + "/docs/functions.md"
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            written == FunctionRegistry.builtins.markdown, "run: swift run crisp-bridge functions > docs/functions.md")
    }
}
