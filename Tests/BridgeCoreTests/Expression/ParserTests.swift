import Testing

@testable import BridgeCore

@Suite struct ParserTests {
    @Test func precedenceFollowsTheDocumentedOrder() throws {
        #expect(try eval("1 + 2 * 3") == 7)
        #expect(try eval("(1 + 2) * 3") == 9)
        #expect(try eval("10 - 4 - 3") == 3)
        #expect(try eval("2 * 3 % 4") == 2)
        #expect(try eval("1 + 2 == 3 && 2 < 3") == true)
        #expect(try eval("null ?? 1 + 1") == 2)
        #expect(try eval("false || null ?? \"x\"") == "x")
        #expect(try eval("true ? 1 : 2 + 10") == 1)
        #expect(try eval("false ? 1 : true ? 2 : 3") == 2)
        #expect(try eval("!true == false") == true)
        #expect(try eval("-2 * -3") == 6)
    }

    @Test func literalsOfEveryKind() throws {
        #expect(try eval(#"'single' + "double""#) == "singledouble")
        #expect(try eval(#""tab\tnew\nquote\" unicode \u00e9""#) == "tab\tnew\nquote\" unicode é")
        #expect(try eval("1.5e3") == 1500)
        #expect(try eval("[1, \"a\", null, true]") == [1, "a", nil, true])
        #expect(try eval(#"{a: 1, "odd key": [2]}"#) == ["a": 1, "odd key": [2]])
        #expect(try eval("[]") == [])
        #expect(try eval("{}") == [:])
        #expect(try eval("[1, 2,]") == [1, 2])
    }

    @Test func pathsReadMembersIndexesAndOddKeys() throws {
        let body: JSONValue = ["a": ["b": [10, 20, 30]], "odd key": "x", "true": 1]
        #expect(try eval("body.a.b[1]", ["body": body]) == 20)
        #expect(try eval("body.a.b[-1]", ["body": body]) == 30)
        #expect(try eval(#"body["odd key"]"#, ["body": body]) == "x")
        #expect(try eval(#"body["a"]["b"][0]"#, ["body": body]) == 10)
        #expect(try eval("body.true", ["body": body]) == 1)
    }

    @Test(arguments: [
        ("1 +", "the expression ends too early", 3),
        ("(1 + 2", "'(' is not closed", 0),
        ("[1, 2", "'[' is not closed", 0),
        ("lower(x", "'(' is not closed", 5),
        ("a = 1", "unexpected '='", 2),
        ("a & b", "use '&&'", 2),
        ("\"open", "unterminated string", 0),
        ("1 2", "unexpected number 2 after a complete expression", 2),
        ("a.", "expected a field name", 2),
        ("x => x", "a lambda", 2),
        ("a ? b", "expected ':'", 5),
        ("#", "unexpected character '#'", 0),
        ("", "empty expression", 0),
        ("12abc", "a number cannot run into a name", 2),
        ("{1: 2}", "expected an object key", 1),
        (#""\q""#, "unknown escape", 1),
    ])
    func syntaxErrorsSayWhatAndWhere(text: String, message: String, offset: Int) {
        do {
            _ = try Parser.parse(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.offset == offset, "\(text): \(error.message)")
        }
    }

    @Test func unknownNamesAndFunctionsAreReportedAtLoadWithSuggestions() throws {
        let name = try #require(compileError("emial", ["email": "a"]))
        #expect(name.message.contains("unknown name 'emial'; did you mean 'email'?"))
        #expect(name.location.column == 1)
        let function = try #require(compileError("x + lowr(x)", ["x": "a"]))
        #expect(function.message.contains("unknown function 'lowr'; did you mean 'lower'?"))
        #expect(function.location.column == 5)
        let arity = try #require(compileError("lower(x, x)", ["x": "a"]))
        #expect(arity.message.contains("lower(text) takes 1 argument, given 2"))
        let lambda = try #require(compileError("map([1], 2)"))
        #expect(lambda.message.contains("must be a lambda"))
        let notLambda = try #require(compileError("lower(x => x)"))
        #expect(notLambda.message.contains("cannot be a lambda"))
    }

    @Test func lambdaParametersShadowAndStayLocal() throws {
        #expect(try eval("map(x, x => x + 1)", ["x": [1, 2]]) == [2, 3])
        #expect(try eval("map([1], (y) => y * 10)") == [10])
        let leak = try #require(compileError("map([1], y => y) + y"))
        #expect(leak.message.contains("unknown name 'y'"))
    }
}
