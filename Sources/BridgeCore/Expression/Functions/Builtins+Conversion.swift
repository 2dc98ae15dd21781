import Foundation

extension Builtins {
    static let conversions: [BuiltinFunction] = [
        BuiltinFunction(
            "string(value)", arity: 1...1,
            "The value as text: numbers without a needless fraction, lists and objects as JSON. `null` stays `null`.",
            examples: [
                ("string(94528173401)", #""94528173401""#), ("string(true)", #""true""#), ("string(null)", "null"),
            ]
        ) { args throws(FunctionError) in
            switch args[0] {
            case .null: .null
            case .string: args[0]
            case .number(let n): .string(JSONValue.format(number: n))
            case .bool(let b): .string(b ? "true" : "false")
            case .array, .object: .string(args[0].jsonText)
            }
        },
        BuiltinFunction(
            "number(value)", arity: 1...1,
            "The value as a number. Text is read as a decimal number (empty text gives `null`); other text is an error.",
            examples: [(#"number(" 42.5 ")"#, "42.5"), (#"number("")"#, "null"), ("number(true)", "1")]
        ) { args throws(FunctionError) in
            try toNumber(args[0]).map(JSONValue.number) ?? .null
        },
        BuiltinFunction(
            "int(value)", arity: 1...1, "The value as a whole number, rounded toward zero.",
            examples: [(#"int("42.9")"#, "42"), ("int(-3.7)", "-3")]
        ) { args throws(FunctionError) in
            try toNumber(args[0]).map { .number($0.rounded(.towardZero)) } ?? .null
        },
        BuiltinFunction(
            "bool(value)", arity: 1...1,
            #"The value as a boolean: text "true", "yes", "y", "on", "1" is true; "false", "no", "n", "off", "0", "" is false."#,
            examples: [(#"bool("Yes")"#, "true"), ("bool(0)", "false"), ("bool(null)", "null")]
        ) { args throws(FunctionError) in
            switch args[0] {
            case .null: return .null
            case .bool: return args[0]
            case .number(let n): return .bool(n != 0)
            case .string(let s):
                switch s.trimmed.lowercased() {
                case "true", "yes", "y", "on", "1": return .bool(true)
                case "false", "no", "n", "off", "0", "": return .bool(false)
                default: throw FunctionError("\"\(s)\" is not a yes/no value (true, false, yes, no, 1, 0…)")
                }
            default: throw .type("a text, number or boolean", argument: 1, got: args[0])
            }
        },
    ]

    static func toNumber(_ value: JSONValue) throws(FunctionError) -> Double? {
        switch value {
        case .null: return nil
        case .number(let n): return n
        case .bool(let b): return b ? 1 : 0
        case .string(let s):
            let t = s.trimmed
            if t.isEmpty { return nil }
            guard let n = Double(t), n.isFinite else { throw FunctionError("\"\(s)\" is not a number") }
            return n
        default: throw .type("a text or number", argument: 1, got: value)
        }
    }
}
