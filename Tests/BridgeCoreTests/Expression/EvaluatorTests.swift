import Testing

@testable import BridgeCore

@Suite struct EvaluatorTests {
    @Test func arithmetic() throws {
        #expect(try eval("7 + 2") == 9)
        #expect(try eval("7 - 2") == 5)
        #expect(try eval("7 * 2") == 14)
        #expect(try eval("7 / 2") == 3.5)
        #expect(try eval("7 % 2") == 1)
        #expect(try eval("-7 % 2") == -1)
        #expect(try eval("-(3)") == -3)
    }

    @Test func plusJoinsTextListsAndTreatsNullAsEmptyText() throws {
        #expect(try eval(#""a" + "b""#) == "ab")
        #expect(try eval(#""n=" + 5"#) == "n=5")
        #expect(try eval(#""ok: " + true"#) == "ok: true")
        #expect(try eval(#""a" + null"#) == "a")
        #expect(try eval("[1] + [2]") == [1, 2])
        #expect(try eval("null + 1") == nil)
    }

    @Test func nullPropagatesThroughArithmeticAndMissingPaths() throws {
        #expect(try eval("x.missing.deeper[3]", ["x": ["a": 1]]) == nil)
        #expect(try eval("x[0]", ["x": "text"]) == nil)
        #expect(try eval("x[1.5]", ["x": [1, 2]]) == nil)
        #expect(try eval("x[9]", ["x": [1, 2]]) == nil)
        #expect(try eval("x * 2", ["x": nil]) == nil)
        #expect(try eval("-x", ["x": nil]) == nil)
        #expect(try eval("x < 1", ["x": nil]) == false)
        #expect(try eval("x == null", ["x": nil]) == true)
    }

    @Test func comparisons() throws {
        #expect(try eval("1 < 2") == true)
        #expect(try eval("2 <= 2") == true)
        #expect(try eval("3 > 2") == true)
        #expect(try eval("2 >= 3") == false)
        #expect(try eval(#""apple" < "banana""#) == true)
        #expect(try eval(#"1 == "1""#) == false)
        #expect(try eval("[1, {a: 2}] == [1, {a: 2}]") == true)
        #expect(try eval("1 != 2") == true)
    }

    @Test func logicShortCircuitsAndReturnsTheDecidingValue() throws {
        #expect(try eval(#""" || "fallback""#) == "fallback")
        #expect(try eval(#""x" && "y""#) == "y")
        #expect(try eval("0 && lower(1)") == 0)  // the right side would fail: it is not evaluated
        #expect(try eval(#"1 || lower(1)"#) == 1)
        #expect(try eval("!null") == true)
        #expect(try eval("![]") == true)
        #expect(try eval("!{a: 1}") == false)
        #expect(try eval(#"null ?? "d""#) == "d")
        #expect(try eval(#"false ?? "d""#) == false)
        #expect(try eval("x ? 1 : 2", ["x": ""]) == 2)
    }

    @Test func typeErrorsNameTheOperatorTheValueAndThePlace() throws {
        for (text, fragment, column) in [
            (#"1 - "a""#, #"'-' cannot combine number 1 and string "a""#, 1),
            (#"x + {a: 1}"#, "'+' cannot combine", 1),
            (#"[1] < 2"#, "'<' cannot combine", 1),
            (#"-"a""#, "'-' needs a number", 1),
            ("1 / 0", "division by zero", 1),
            ("1 % 0", "division by zero", 1),
            (#"  lower(42)"#, "lower: argument 1 must be a string, got number 42", 3),
        ] {
            do {
                _ = try eval(text, ["x": 1])
                Issue.record("\(text) did not fail")
            } catch {
                #expect(error.kind == .evaluation)
                #expect(error.message.contains(fragment), "\(error.message)")
                #expect(error.location?.column == column, "\(text)")
            }
        }
    }

    @Test func lambdaErrorsCarryThePlaceInsideTheLambda() throws {
        do {
            _ = try eval("map([1, 2], x => lower(x))")
            Issue.record("did not fail")
        } catch {
            #expect(error.message.contains("lower: argument 1 must be a string"))
            #expect(error.location?.column == 18)
        }
    }
}
