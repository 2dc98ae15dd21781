import Testing

@testable import BridgeCore

@Suite struct FunctionTests {
    @Test func nullInputsGiveNullNotErrors() throws {
        for name in [
            "lower", "upper", "trim", "string", "number", "int", "bool", "first", "last", "keys", "values",
            "date", "unix_ms", "country_code", "phone", "email", "split_name", "data_key", "sha256", "base64",
            "url_encode",
        ] {
            #expect(try eval("\(name)(null)") == nil, "\(name)")
        }
        #expect(try eval("json(null)") == "null")
        #expect(try eval("length(null)") == 0)
    }

    @Test func typeErrorsOfFunctionsAreEventFailures() {
        for text in [
            "upper(1)", "split(1, \",\")", "join(\"a\", \",\")", "keys([1])", "number(\"abc\")",
            "bool(\"maybe\")", "date(\"yesterday\")", "regex_match(\"a\", \"(\")", "first(\"a\")", "map(1, x => x)",
            "join([[1]], \",\")", "split(\"a\", \"\")",
        ] {
            #expect(throws: BridgeCoreError.self, "\(text)") { try eval(text) }
        }
    }

    @Test func rowFunctionsReadCrispsImportRules() throws {
        #expect(try eval(#"segments("a|b,c d\tb")"#).jsonText == #"["a","b","c","d"]"#)
        #expect(
            try eval(#"empty_keys(columns({"data.a": "", "data.b": "x", "email": ""}, "data."))"#).jsonText == #"["a"]"#
        )
        #expect(try eval(#"compact(columns({"data.a": "", "data.b": "x"}, "data."))"#).jsonText == #"{"b":"x"}"#)
        #expect(try eval(#"segments(null)"#) == nil)
        for text in [#"segments(1)"#, #"compact("x")"#, #"columns({}, "")"#] {
            #expect(throws: BridgeCoreError.self, "\(text)") { try eval(text) }
        }
        // `required` fails the event with the reason given.
        #expect(try eval(#"required("x", "no email")"#) == "x")
        do {
            _ = try eval(#"required(" ", "no email in this row")"#)
            Issue.record("required of a blank value did not fail")
        } catch {
            #expect("\(error)".contains("no email in this row"), "\(error)")
        }
        #expect(try eval(#"country_code("Congo")"#) == nil, "a name two countries share is no guess")
        #expect(try eval(#"country_code("DR Congo")"#) == "CD")
    }

    @Test func emails() throws {
        #expect(try eval(#"email("MAILTO:Ada@Example.com")"#) == "ada@example.com")
        #expect(try eval(#"email("ada+crm@example.co.uk")"#) == "ada+crm@example.co.uk")
        for bad in [
            "ada@", "@example.com", "ada@example", "ada..x@example.com", "ada@exa mple.com", "a@b.c", "ada@-x.com",
        ] {
            #expect(try eval("email(\"\(bad)\")") == nil, "\(bad)")
        }
    }

    @Test func phones() throws {
        #expect(try eval(#"phone("+1 (415) 555-0132 ext. 12")"#) == "+14155550132")
        #expect(try eval(#"phone("1 415 555 0132", "US")"#) == "+14155550132")
        #expect(try eval(#"phone("06 12 34 56 78", "France")"#) == "+33612345678")
        #expect(try eval(#"phone("06 12 34 56 78", "Narnia")"#) == nil)
        #expect(try eval(#"phone("06 12 34 56 78")"#) == nil)
        #expect(try eval(#"phone("+1234567890123456")"#) == nil)
        #expect(try eval(#"phone("02 1234 5678", "IT")"#) == "+390212345678")
    }

    @Test func countries() throws {
        #expect(try eval(#"country_code("UK")"#) == "GB")
        #expect(try eval(#"country_code("the Netherlands")"#) == "NL")
        #expect(try eval(#"country_code("United States of America")"#) == "US")
        #expect(try eval(#"country_code("usa")"#) == "US")
        #expect(try eval(#"country_code("fr")"#) == "FR")
        #expect(try eval(#"country_code("Viet Nam")"#) == "VN")
    }

    @Test func dates() throws {
        #expect(try eval(#"date("2025-06-12T11:41:07.5+02:00")"#) == "2025-06-12T09:41:07.500Z")
        #expect(try eval(#"date("2024-02-29")"#) == "2024-02-29T00:00:00Z")
        #expect(throws: BridgeCoreError.self) { try eval(#"date("2025-02-29")"#) }
        #expect(try eval("date(0)") == "1970-01-01T00:00:00Z")
        #expect(try eval("date(-86400)") == "1969-12-31T00:00:00Z")
        #expect(try eval("unix_ms(1749721267)") == 1_749_721_267_000)
        #expect(try eval(#"date("")"#) == nil)
    }

    @Test func dataKeysAreAlwaysValid() throws {
        for text in ["Hello World!", "ÉTÉ 2025", "a/b\\c", String(repeating: "x", count: 80), "Plan-Type_2"] {
            let key = try #require(try eval("data_key(text)", ["text": .string(text)]).stringValue)
            #expect(CustomDataKey.isValid(key), "\(text) → \(key)")
        }
        #expect(try eval(#"data_key("!!!")"#) == nil)
    }

    @Test func splitNames() throws {
        #expect(try eval(#"split_name("Ada")"#) == ["first": "Ada", "last": nil])
        #expect(try eval(#"split_name("  ")"#) == ["first": nil, "last": nil])
        #expect(try eval(#"split_name("de la Cruz, María José")"#) == ["first": "María José", "last": "de la Cruz"])
    }
}
