/// A function that expressions can call, with its documentation and runnable examples.
public struct BuiltinFunction: Sendable {
    /// One documented use: the expression and the JSON it gives. The test suite runs every example.
    public struct Example: Sendable {
        public let expression: String
        public let result: String
    }

    enum Body: Sendable {
        case plain(@Sendable ([JSONValue]) throws(FunctionError) -> JSONValue)
        /// Takes a value and a one-parameter lambda (`map`, `filter`).
        case lambda(@Sendable (JSONValue, (JSONValue) throws -> JSONValue) throws -> JSONValue)
    }

    public let name: String
    /// How the call reads in the documentation, e.g. `join(list, separator)`.
    public let signature: String
    public let arity: ClosedRange<Int>
    public let summary: String
    public let examples: [Example]
    let body: Body
    /// For a function that gives `null` for a value it refuses (`phone`, `email`, `country_code`): why, from its
    /// arguments (nil when there was nothing to refuse, e.g. no value at all). The plan carries it as a warning.
    var dropped: (@Sendable ([JSONValue]) -> String?)? = nil

    init(
        _ signature: String, arity: ClosedRange<Int>, _ summary: String, examples: [(String, String)],
        _ body: @escaping @Sendable ([JSONValue]) throws(FunctionError) -> JSONValue
    ) {
        self.name = String(signature.prefix { $0 != "(" })
        self.signature = signature
        self.arity = arity
        self.summary = summary
        self.examples = examples.map { Example(expression: $0.0, result: $0.1) }
        self.body = .plain(body)
    }

    init(
        lambda signature: String, _ summary: String, examples: [(String, String)],
        _ body: @escaping @Sendable (JSONValue, (JSONValue) throws -> JSONValue) throws -> JSONValue
    ) {
        self.name = String(signature.prefix { $0 != "(" })
        self.signature = signature
        self.arity = 2...2
        self.summary = summary
        self.examples = examples.map { Example(expression: $0.0, result: $0.1) }
        self.body = .lambda(body)
    }

    /// This function, saying why when it gives `null` for a value it refuses (`dropped`).
    func noting(_ dropped: @escaping @Sendable ([JSONValue]) -> String?) -> BuiltinFunction {
        var function = self
        function.dropped = dropped
        return function
    }

    /// Whether argument `index` must be written as a lambda (`x => …`).
    func takesLambda(at index: Int) -> Bool {
        if case .lambda = body { return index == 1 }
        return false
    }

    /// How many arguments, in words, for error messages.
    var arityDescription: String {
        if arity.lowerBound == arity.upperBound {
            return arity.lowerBound == 1 ? "1 argument" : "\(arity.lowerBound) arguments"
        }
        if arity.upperBound == Int.max {
            return "at least \(arity.lowerBound) argument\(arity.lowerBound == 1 ? "" : "s")"
        }
        return "\(arity.lowerBound) to \(arity.upperBound) arguments"
    }
}

/// A function's refusal of its arguments; the evaluator adds the function name and the place of the call.
struct FunctionError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }

    static func type(_ what: String, argument: Int, got value: JSONValue) -> FunctionError {
        FunctionError("argument \(argument) must be \(what), got \(value.typeName) \(value.shortText)")
    }
}

extension JSONValue {
    /// The value as a short quoted snippet for error messages.
    var shortText: String {
        let text = jsonText
        return text.count > 40 ? String(text.prefix(37)) + "…" : text
    }
}

/// Argument helpers shared by the built-in functions.
enum Arguments {
    /// A string argument; `null` stays nil. Anything else is a type error.
    static func string(_ args: [JSONValue], _ i: Int) throws(FunctionError) -> String? {
        guard i < args.count else { return nil }
        switch args[i] {
        case .null: return nil
        case .string(let s): return s
        default: throw .type("a string", argument: i + 1, got: args[i])
        }
    }

    /// A string argument that may also be a number or boolean, converted to text.
    static func text(_ args: [JSONValue], _ i: Int) throws(FunctionError) -> String? {
        guard i < args.count else { return nil }
        switch args[i] {
        case .null: return nil
        case .string(let s): return s
        case .number(let n): return JSONValue.format(number: n)
        case .bool(let b): return b ? "true" : "false"
        default: throw .type("text", argument: i + 1, got: args[i])
        }
    }

    static func array(_ args: [JSONValue], _ i: Int) throws(FunctionError) -> [JSONValue]? {
        guard i < args.count else { return nil }
        switch args[i] {
        case .null: return nil
        case .array(let a): return a
        default: throw .type("an array", argument: i + 1, got: args[i])
        }
    }

    static func object(_ args: [JSONValue], _ i: Int) throws(FunctionError) -> [String: JSONValue]? {
        guard i < args.count else { return nil }
        switch args[i] {
        case .null: return nil
        case .object(let o): return o
        default: throw .type("an object", argument: i + 1, got: args[i])
        }
    }
}
