import Testing

@testable import BridgeCore

/// `ExpressionLanguage.prepare`: compiled once, run over many sets of names (`crisp-bridge eval --lines`).
@Suite struct PreparedExpressionTests {
    @Test func theNamesReadAreTheInputsLambdaParametersAreNot() throws {
        let prepared = try ExpressionLanguage.prepare(#"map(list, x => x + suffix) ?? phone(n, r)"#)
        #expect(prepared.names == ["list", "suffix", "n", "r"])
        #expect(try prepared.evaluate(["list": ["a", "b"], "suffix": "!", "n": nil, "r": nil]) == ["a!", "b!"])
    }

    @Test func oneCompilationRunsOverManyValues() throws {
        let prepared = try ExpressionLanguage.prepare("phone(n, r)")
        #expect(try prepared.evaluate(["n": "06 12 34 56 78", "r": "FR"]) == "+33612345678")
        #expect(try prepared.evaluate(["n": "020 7946 0018", "r": "GB", "unused": 1]) == "+442079460018")
        #expect(try prepared.evaluate(["n": "12", "r": "FR"]) == nil)
    }

    @Test func aMissingNameFailsTheRunNotTheCompilation() throws {
        let prepared = try ExpressionLanguage.prepare("lower(name)")
        #expect(throws: BridgeCoreError.self) { try prepared.evaluate(["nmae": "Ada"]) }
        do {
            _ = try prepared.evaluate(["nmae": "Ada"])
        } catch {
            #expect(error.message.contains("no value for 'name'; did you mean 'nmae'?"))
        }
    }

    @Test func syntaxErrorsUnknownFunctionsAndArityDoNotCompile() {
        for text in ["phone(n,", "phnoe(n)", "phone(n, r, x)", "map(l, 1)"] {
            #expect(throws: BridgeCoreError.self, "\(text)") { try ExpressionLanguage.prepare(text) }
        }
    }
}
