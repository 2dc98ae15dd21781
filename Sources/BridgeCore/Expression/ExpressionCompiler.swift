/// Resolves the names and functions of a parsed expression, reporting unknown ones at their position.
struct ExpressionCompiler {
    var names: NameTable
    let functions: FunctionRegistry
    private(set) var errors: [ExpressionSyntaxError] = []

    init(names: NameTable, functions: FunctionRegistry = .builtins) {
        self.names = names
        self.functions = functions
    }

    mutating func compile(_ expr: Expr) -> Expr {
        switch expr {
        case .literal, .slot, .builtin:
            return expr
        case .name(let name, let span):
            if let slot = names.visible[name] { return .slot(slot, span) }
            errors.append(ExpressionSyntaxError(message: unknownNameMessage(name), offset: span.offset))
            return .literal(.null, span)
        case .member(let base, let key, let span):
            return .member(compile(base), key, span)
        case .index(let base, let index, let span):
            return .index(compile(base), compile(index), span)
        case .array(let elements, let span):
            return .array(elements.map { compile($0) }, span)
        case .object(let members, let span):
            return .object(members.map { ($0.key, compile($0.value)) }, span)
        case .unary(let op, let operand, let span):
            return .unary(op, compile(operand), span)
        case .binary(let op, let l, let r, let span):
            return .binary(op, compile(l), compile(r), span)
        case .and(let l, let r, let span):
            return .and(compile(l), compile(r), span)
        case .or(let l, let r, let span):
            return .or(compile(l), compile(r), span)
        case .coalesce(let l, let r, let span):
            return .coalesce(compile(l), compile(r), span)
        case .conditional(let c, let t, let f, let span):
            return .conditional(compile(c), compile(t), compile(f), span)
        case .lambda(let params, _, let body, let span):
            let outer = names.visible
            var scope = outer
            var slots: [Int] = []
            for p in params {
                let slot = names.reserveSlot()
                scope[p] = slot
                slots.append(slot)
            }
            names.withVisible(scope)
            let compiled = compile(body)
            names.withVisible(outer)
            return .lambda(params, slots, compiled, span)
        case .call(let name, let nameSpan, let arguments, let span):
            guard let function = functions[name] else {
                errors.append(ExpressionSyntaxError(message: unknownFunctionMessage(name), offset: nameSpan.offset))
                return .literal(.null, span)
            }
            guard function.arity.contains(arguments.count) else {
                errors.append(
                    ExpressionSyntaxError(
                        message: "\(function.signature) takes \(function.arityDescription), given \(arguments.count)",
                        offset: nameSpan.offset))
                return .literal(.null, span)
            }
            var compiled: [Expr] = []
            for (i, argument) in arguments.enumerated() {
                let isLambda: Bool
                if case .lambda(let params, _, _, _) = argument {
                    isLambda = true
                    if params.count != 1 {
                        errors.append(
                            ExpressionSyntaxError(
                                message: "the lambda of \(name) takes one parameter, as in \(name)(list, x => …)",
                                offset: argument.span.offset))
                    }
                } else {
                    isLambda = false
                }
                if function.takesLambda(at: i), !isLambda {
                    errors.append(
                        ExpressionSyntaxError(
                            message: "argument \(i + 1) of \(name) must be a lambda, as in \(function.signature)",
                            offset: argument.span.offset))
                } else if !function.takesLambda(at: i), isLambda {
                    errors.append(
                        ExpressionSyntaxError(
                            message: "argument \(i + 1) of \(name) cannot be a lambda", offset: argument.span.offset))
                }
                compiled.append(compile(argument))
            }
            return .builtin(function, compiled, span)
        }
    }

    private func unknownNameMessage(_ name: String) -> String {
        if let later = names.laterNames[name] {
            return "'\(name)' is not defined yet: \(later)"
        }
        let known = names.visible.keys.sorted()
        var message = "unknown name '\(name)'"
        if let suggestion = closest(to: name, in: known) { message += "; did you mean '\(suggestion)'?" }
        message += " (names here: \(known.joined(separator: ", ")))"
        if functions[name] != nil { message += "; to call the function, write \(name)(…)" }
        return message
    }

    private func unknownFunctionMessage(_ name: String) -> String {
        var message = "unknown function '\(name)'"
        if let suggestion = closest(to: name, in: Array(functions.functions.keys)) {
            message += "; did you mean '\(suggestion)'?"
        }
        return message + " (see `crisp-bridge functions` for the list)"
    }
}

/// The candidate nearest to `word` by edit distance, when near enough to be a likely typo.
func closest(to word: String, in candidates: [String]) -> String? {
    let limit = max(1, word.count / 3)
    var best: (String, Int)?
    for candidate in candidates.sorted() {
        let d = editDistance(word.lowercased(), candidate.lowercased())
        if d <= limit, d < (best?.1 ?? Int.max) { best = (candidate, d) }
    }
    return best?.0
}

/// Edit distance counting an insertion, deletion, substitution or swap of neighbours as one step.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}
