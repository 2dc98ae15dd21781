extension Builtins {
    static let collections: [BuiltinFunction] = [
        BuiltinFunction(
            "from_entries(list)", arity: 1...1,
            "An object from a list of `{key, value}` pairs (also `name`/`value`, `Key`/`Value`, `k`/`v`), as jq's "
                + "`from_entries`: Dynamics' attribute lists become reachable by name. A later key wins.",
            examples: [
                (
                    #"from_entries([{key: "firstname", value: "Ada"}, {key: "age", value: 36}])"#,
                    #"{"age":36,"firstname":"Ada"}"#
                ),
                ("from_entries(null)", "null"),
            ]
        ) { args throws(FunctionError) in
            guard let list = try Arguments.array(args, 0) else { return .null }
            var object: [String: JSONValue] = [:]
            for (i, entry) in list.enumerated() {
                guard case .object(let pair) = entry else {
                    throw FunctionError("element \(i + 1) must be an object with a key, got \(entry.typeName)")
                }
                let key = pair["key"] ?? pair["name"] ?? pair["Key"] ?? pair["Name"] ?? pair["k"] ?? .null
                guard let name = key.stringValue ?? key.numberValue.map({ JSONValue.format(number: $0) }) else {
                    throw FunctionError("element \(i + 1) has no key, name, Key or k text")
                }
                object[name] = pair["value"] ?? pair["Value"] ?? pair["v"] ?? .null
            }
            return .object(object)
        },
        BuiltinFunction(
            "concat(a, b, …)", arity: 1...Int.max,
            "Joins texts into one text, or lists into one list. `null` arguments are skipped.",
            examples: [(#"concat("crm-", "lead")"#, #""crm-lead""#), ("concat([1], [2, 3], null)", "[1,2,3]")]
        ) { args throws(FunctionError) in
            let present = args.filter { !$0.isNull }
            guard let first = present.first else { return .null }
            if case .array = first {
                var out: [JSONValue] = []
                for (i, a) in present.enumerated() {
                    guard case .array(let elements) = a else { throw .type("a list", argument: i + 1, got: a) }
                    out += elements
                }
                return .array(out)
            }
            var out = ""
            for i in args.indices { out += try Arguments.text(args, i) ?? "" }
            return .string(out)
        },
        BuiltinFunction(
            "coalesce(a, b, …)", arity: 1...Int.max, "The first argument that is not `null`.",
            examples: [(#"coalesce(null, "", "x")"#, #""""#)]
        ) { args throws(FunctionError) in
            args.first { !$0.isNull } ?? .null
        },
        BuiltinFunction(
            "default(value, fallback)", arity: 2...2,
            "The value, unless it is `null` or empty text, in which case the fallback.",
            examples: [(#"default("", "unknown")"#, #""unknown""#), (#"default("x", "unknown")"#, #""x""#)]
        ) { args throws(FunctionError) in
            switch args[0] {
            case .null, .string(""): args[1]
            default: args[0]
            }
        },
        BuiltinFunction(
            "length(value)", arity: 1...1,
            "The number of characters of a text, elements of a list or members of an object; 0 for `null`.",
            examples: [(#"length("Ada")"#, "3"), ("length([1, 2])", "2"), ("length(null)", "0")]
        ) { args throws(FunctionError) in
            switch args[0] {
            case .null: .number(0)
            case .string(let s): .number(Double(s.count))
            case .array(let a): .number(Double(a.count))
            case .object(let o): .number(Double(o.count))
            default: throw .type("a text, list or object", argument: 1, got: args[0])
            }
        },
        BuiltinFunction(
            "first(list)", arity: 1...1, "The first element, or `null` for an empty list.",
            examples: [(#"first(["a", "b"])"#, #""a""#), ("first([])", "null")]
        ) { args throws(FunctionError) in
            try Arguments.array(args, 0)?.first ?? .null
        },
        BuiltinFunction(
            "last(list)", arity: 1...1, "The last element, or `null` for an empty list.",
            examples: [(#"last(["a", "b"])"#, #""b""#)]
        ) { args throws(FunctionError) in
            try Arguments.array(args, 0)?.last ?? .null
        },
        BuiltinFunction(
            "keys(object)", arity: 1...1, "The member names of an object, sorted.",
            examples: [("keys({b: 1, a: 2})", #"["a","b"]"#)]
        ) { args throws(FunctionError) in
            guard let o = try Arguments.object(args, 0) else { return .null }
            return .array(o.keys.sorted().map { .string($0) })
        },
        BuiltinFunction(
            "values(object)", arity: 1...1, "The member values of an object, in the order of their sorted names.",
            examples: [("values({b: 1, a: 2})", "[2,1]")]
        ) { args throws(FunctionError) in
            guard let o = try Arguments.object(args, 0) else { return .null }
            return .array(o.keys.sorted().map { o[$0]! })
        },
        BuiltinFunction(
            "contains(haystack, needle)", arity: 2...2,
            "Whether a text contains a text, a list contains a value, or an object has a member name.",
            examples: [
                (#"contains("ada@example.com", "@")"#, "true"),
                (#"contains(["lead", "customer"], "lead")"#, "true"),
                (#"contains({email: 1}, "phone")"#, "false"),
            ]
        ) { args throws(FunctionError) in
            switch args[0] {
            case .null: return .bool(false)
            case .string(let s):
                guard let needle = try Arguments.text(args, 1) else { return .bool(false) }
                return .bool(s.contains(needle))
            case .array(let a): return .bool(a.contains(args[1]))
            case .object(let o):
                guard let key = try Arguments.string(args, 1) else { return .bool(false) }
                return .bool(o[key] != nil)
            default: throw .type("a text, list or object", argument: 1, got: args[0])
            }
        },
        BuiltinFunction(
            lambda: "map(list, x => expression)", "Applies the expression to every element of the list.",
            examples: [
                ("map([1, 2, 3], x => x * 2)", "[2,4,6]"),
                (#"map([{value: "a@x.io"}, {value: "b@x.io"}], e => e.value)"#, #"["a@x.io","b@x.io"]"#),
            ]
        ) { value, transform in
            switch value {
            case .null: return .null
            case .array(let a): return .array(try a.map(transform))
            default: throw FunctionError.type("a list", argument: 1, got: value)
            }
        },
        BuiltinFunction(
            lambda: "filter(list, x => condition)", "Keeps the elements for which the condition is true.",
            examples: [
                ("filter([1, 2, 3, 4], x => x % 2 == 0)", "[2,4]"),
                (#"first(filter([{primary: false, v: 1}, {primary: true, v: 2}], p => p.primary)).v"#, "2"),
            ]
        ) { value, predicate in
            switch value {
            case .null: return .null
            case .array(let a): return .array(try a.filter { try predicate($0).isTruthy })
            default: throw FunctionError.type("a list", argument: 1, got: value)
            }
        },
    ]
}
