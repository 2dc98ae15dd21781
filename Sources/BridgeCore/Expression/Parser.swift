/// Reads tokens into an `Expr` tree: a precedence-climbing parser, lowest precedence first.
///
/// Precedence, low to high: `?:`, `??`, `||`, `&&`, `== !=`, `< <= > >=`, `+ -`, `* / %`, unary `! -`,
/// then member access, indexing and calls. Lambdas (`x => …`) are allowed only as call arguments.
struct Parser {
    private var tokens: [Token]
    private var position = 0
    /// How deep the parser has recursed (brackets, calls, unary operators).
    private var depth = 0
    /// The deepest an expression may nest, whether by brackets or by a chain of operators (`1+1+…`, `a.b.…`):
    /// the parser, compiler and evaluator recurse over the tree, and a bounded depth keeps them within their
    /// stack whatever the text.
    static let maxDepth = 200

    /// Parses a whole expression; anything left over is an error.
    static func parse(_ text: String) throws(ExpressionSyntaxError) -> Expr {
        var parser = Parser(tokens: try Lexer.tokenize(text))
        if parser.current.kind == .end {
            throw ExpressionSyntaxError(message: "empty expression", offset: 0)
        }
        let expr = try parser.expression()
        guard parser.current.kind == .end else {
            throw ExpressionSyntaxError(
                message: "unexpected \(parser.current.display) after a complete expression",
                offset: parser.current.offset)
        }
        if let deepest = expr.deeperThan(maxDepth) {
            throw tooDeep(at: deepest.offset)
        }
        return expr
    }

    private static func tooDeep(at offset: Int) -> ExpressionSyntaxError {
        ExpressionSyntaxError(
            message: "the expression nests more than \(maxDepth) levels deep; split it into steps with let",
            offset: offset)
    }

    private init(tokens: [Token]) {
        self.tokens = tokens
    }

    private var current: Token { tokens[position] }

    private func peek(_ ahead: Int) -> Token {
        tokens[min(position + ahead, tokens.count - 1)]
    }

    @discardableResult
    private mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private mutating func expect(_ kind: Token.Kind, _ what: String) throws(ExpressionSyntaxError) -> Token {
        guard current.kind == kind else {
            throw ExpressionSyntaxError(message: "expected \(what), found \(current.display)", offset: current.offset)
        }
        return advance()
    }

    /// Expects the closing token of a bracket opened at `open`; when it is missing, the error points at the opener.
    private mutating func close(_ kind: Token.Kind, opened open: Token, _ what: String) throws(ExpressionSyntaxError) {
        guard current.kind == kind else {
            let opener = Token.symbol(open.kind)
            let found = current.kind == .end ? "the expression ends" : "found \(current.display)"
            throw ExpressionSyntaxError(
                message: "'\(opener)' is not closed: expected \(what), but \(found)", offset: open.offset)
        }
        advance()
    }

    private func spanTo(_ start: Span) -> Span {
        let last = tokens[max(0, position - 1)]
        return Span(offset: start.offset, length: last.offset + last.length - start.offset)
    }

    mutating func expression() throws(ExpressionSyntaxError) -> Expr {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw Self.tooDeep(at: current.offset) }
        return try conditional()
    }

    private mutating func conditional() throws(ExpressionSyntaxError) -> Expr {
        let condition = try coalescing()
        guard current.kind == .question else { return condition }
        advance()
        let then = try conditional()
        _ = try expect(.colon, "':' of 'cond ? a : b'")
        let otherwise = try conditional()
        return .conditional(condition, then, otherwise, Span.covering(condition.span, otherwise.span))
    }

    private mutating func coalescing() throws(ExpressionSyntaxError) -> Expr {
        var left = try logicalOr()
        while current.kind == .questionQuestion {
            advance()
            let right = try logicalOr()
            left = .coalesce(left, right, Span.covering(left.span, right.span))
        }
        return left
    }

    private mutating func logicalOr() throws(ExpressionSyntaxError) -> Expr {
        var left = try logicalAnd()
        while current.kind == .or {
            advance()
            let right = try logicalAnd()
            left = .or(left, right, Span.covering(left.span, right.span))
        }
        return left
    }

    private mutating func logicalAnd() throws(ExpressionSyntaxError) -> Expr {
        var left = try equality()
        while current.kind == .and {
            advance()
            let right = try equality()
            left = .and(left, right, Span.covering(left.span, right.span))
        }
        return left
    }

    private mutating func binaryLevel(
        _ operators: [Token.Kind: Expr.BinaryOperator],
        next: (inout Parser) throws(ExpressionSyntaxError) -> Expr
    ) throws(ExpressionSyntaxError) -> Expr {
        var left = try next(&self)
        while let op = operators[current.kind] {
            let opToken = advance()
            let right = try next(&self)
            _ = opToken
            left = .binary(op, left, right, Span.covering(left.span, right.span))
        }
        return left
    }

    private mutating func equality() throws(ExpressionSyntaxError) -> Expr {
        try binaryLevel([.equal: .equal, .notEqual: .notEqual]) { (p: inout Parser) throws(ExpressionSyntaxError) in
            try p.comparison()
        }
    }

    private mutating func comparison() throws(ExpressionSyntaxError) -> Expr {
        try binaryLevel([.less: .less, .lessEqual: .lessEqual, .greater: .greater, .greaterEqual: .greaterEqual]) {
            (p: inout Parser) throws(ExpressionSyntaxError) in try p.additive()
        }
    }

    private mutating func additive() throws(ExpressionSyntaxError) -> Expr {
        try binaryLevel([.plus: .add, .minus: .subtract]) { (p: inout Parser) throws(ExpressionSyntaxError) in
            try p.multiplicative()
        }
    }

    private mutating func multiplicative() throws(ExpressionSyntaxError) -> Expr {
        try binaryLevel([.star: .multiply, .slash: .divide, .percent: .remainder]) {
            (p: inout Parser) throws(ExpressionSyntaxError) in try p.unary()
        }
    }

    private mutating func unary() throws(ExpressionSyntaxError) -> Expr {
        let token = current
        let nests = token.kind == .not || token.kind == .minus
        if nests { depth += 1 }
        defer { if nests { depth -= 1 } }
        if depth > Self.maxDepth { throw Self.tooDeep(at: current.offset) }
        switch token.kind {
        case .not:
            advance()
            let operand = try unary()
            return .unary(.not, operand, Span.covering(Span(offset: token.offset, length: 1), operand.span))
        case .minus:
            advance()
            let operand = try unary()
            if case .literal(.number(let n), let s) = operand {
                return .literal(.number(-n), Span.covering(Span(offset: token.offset, length: 1), s))
            }
            return .unary(.negate, operand, Span.covering(Span(offset: token.offset, length: 1), operand.span))
        default:
            return try postfix()
        }
    }

    private mutating func postfix() throws(ExpressionSyntaxError) -> Expr {
        var expr = try primary()
        while true {
            switch current.kind {
            case .dot:
                advance()
                let nameToken = current
                let name: String
                switch nameToken.kind {
                case .identifier(let n): name = n
                case .true: name = "true"
                case .false: name = "false"
                case .null: name = "null"
                default:
                    throw ExpressionSyntaxError(
                        message:
                            "expected a field name after '.', found \(nameToken.display) (use [\"…\"] for odd keys)",
                        offset: nameToken.offset)
                }
                advance()
                expr = .member(expr, name, spanTo(expr.span))
            case .leftBracket:
                let open = advance()
                let index = try expression()
                try close(.rightBracket, opened: open, "']'")
                expr = .index(expr, index, spanTo(expr.span))
            case .leftParen:
                throw ExpressionSyntaxError(
                    message: "only functions can be called: write name(arguments)", offset: current.offset)
            default:
                return expr
            }
        }
    }

    private mutating func primary() throws(ExpressionSyntaxError) -> Expr {
        let token = current
        let span = Span(offset: token.offset, length: token.length)
        switch token.kind {
        case .number(let n):
            advance()
            return .literal(.number(n), span)
        case .string(let s):
            advance()
            return .literal(.string(s), span)
        case .true:
            advance()
            return .literal(.bool(true), span)
        case .false:
            advance()
            return .literal(.bool(false), span)
        case .null:
            advance()
            return .literal(.null, span)
        case .identifier(let name):
            advance()
            if current.kind == .leftParen {
                let open = advance()
                let arguments = try callArguments(opened: open)
                return .call(name, span, arguments, spanTo(span))
            }
            if current.kind == .arrow {
                throw ExpressionSyntaxError(
                    message:
                        "a lambda ('\(name) => …') is allowed only as a function argument, as in map(list, \(name) => …)",
                    offset: current.offset)
            }
            return .name(name, span)
        case .leftParen:
            advance()
            let inner = try expression()
            try close(.rightParen, opened: token, "')'")
            return inner
        case .leftBracket:
            advance()
            var elements: [Expr] = []
            while current.kind != .rightBracket {
                elements.append(try expression())
                if current.kind == .comma { advance() } else { break }
            }
            try close(.rightBracket, opened: token, "']' or ','")
            return .array(elements, spanTo(span))
        case .leftBrace:
            advance()
            var members: [(key: String, value: Expr)] = []
            while current.kind != .rightBrace {
                let keyToken = advance()
                let key: String
                switch keyToken.kind {
                case .identifier(let k): key = k
                case .string(let k): key = k
                default:
                    throw ExpressionSyntaxError(
                        message: "expected an object key (a name or a string), found \(keyToken.display)",
                        offset: keyToken.offset)
                }
                _ = try expect(.colon, "':' after the key '\(key)'")
                members.append((key, try expression()))
                if current.kind == .comma { advance() } else { break }
            }
            try close(.rightBrace, opened: token, "'}' or ','")
            return .object(members, spanTo(span))
        case .end:
            throw ExpressionSyntaxError(
                message: "the expression ends too early: a value is missing", offset: token.offset)
        default:
            throw ExpressionSyntaxError(message: "expected a value, found \(token.display)", offset: token.offset)
        }
    }

    private mutating func callArguments(opened open: Token) throws(ExpressionSyntaxError) -> [Expr] {
        var arguments: [Expr] = []
        while current.kind != .rightParen {
            arguments.append(try argument())
            if current.kind == .comma { advance() } else { break }
        }
        try close(.rightParen, opened: open, "')' or ','")
        return arguments
    }

    /// An argument: a lambda (`x => e`, `(a, b) => e`) or any expression.
    private mutating func argument() throws(ExpressionSyntaxError) -> Expr {
        let start = current
        if case .identifier(let name) = start.kind, peek(1).kind == .arrow {
            advance()
            advance()
            let body = try expression()
            return .lambda([name], [], body, spanTo(Span(offset: start.offset, length: start.length)))
        }
        if start.kind == .leftParen, let names = lambdaParameters() {
            let body = try expression()
            return .lambda(names, [], body, spanTo(Span(offset: start.offset, length: start.length)))
        }
        return try expression()
    }

    /// Reads `(a, b) =>` when it is there; otherwise leaves the position unchanged and returns nil.
    private mutating func lambdaParameters() -> [String]? {
        var i = 1
        var names: [String] = []
        while case .identifier(let name) = peek(i).kind {
            names.append(name)
            i += 1
            if peek(i).kind == .comma { i += 1 } else { break }
        }
        guard peek(i).kind == .rightParen, peek(i + 1).kind == .arrow else { return nil }
        position += i + 2
        return names
    }
}
