/// Turns expression text into tokens. Offsets count Unicode scalars, as YAML columns do.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ text: String) {
        self.scalars = Array(text.unicodeScalars)
    }

    /// All tokens, ending with `.end`.
    static func tokenize(_ text: String) throws(ExpressionSyntaxError) -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        let i = position + ahead
        return i < scalars.count ? scalars[i] : nil
    }

    mutating func next() throws(ExpressionSyntaxError) -> Token {
        while let c = peek(), c == " " || c == "\t" || c == "\n" || c == "\r" { position += 1 }
        let start = position
        guard let c = peek() else { return Token(kind: .end, offset: start, length: 0) }

        func make(_ kind: Token.Kind, _ length: Int) -> Token {
            position += length
            return Token(kind: kind, offset: start, length: length)
        }

        switch c {
        case "0"..."9":
            return try number(start)
        case "\"", "'":
            return try string(start, quote: c)
        case "a"..."z", "A"..."Z", "_", "$":
            while let d = peek(), Self.isIdentifierPart(d) { position += 1 }
            let word = String(String.UnicodeScalarView(scalars[start..<position]))
            let kind: Token.Kind =
                switch word {
                case "true": .true
                case "false": .false
                case "null": .null
                default: .identifier(word)
                }
            return Token(kind: kind, offset: start, length: position - start)
        case ".": return make(.dot, 1)
        case ",": return make(.comma, 1)
        case ":": return make(.colon, 1)
        case "(": return make(.leftParen, 1)
        case ")": return make(.rightParen, 1)
        case "[": return make(.leftBracket, 1)
        case "]": return make(.rightBracket, 1)
        case "{": return make(.leftBrace, 1)
        case "}": return make(.rightBrace, 1)
        case "+": return make(.plus, 1)
        case "-": return make(.minus, 1)
        case "*": return make(.star, 1)
        case "/": return make(.slash, 1)
        case "%": return make(.percent, 1)
        case "?": return peek(1) == "?" ? make(.questionQuestion, 2) : make(.question, 1)
        case "=":
            if peek(1) == "=" { return make(.equal, 2) }
            if peek(1) == ">" { return make(.arrow, 2) }
            throw ExpressionSyntaxError(
                message: "unexpected '=': compare with '==' (there is no assignment)", offset: start)
        case "!": return peek(1) == "=" ? make(.notEqual, 2) : make(.not, 1)
        case "<": return peek(1) == "=" ? make(.lessEqual, 2) : make(.less, 1)
        case ">": return peek(1) == "=" ? make(.greaterEqual, 2) : make(.greater, 1)
        case "&":
            if peek(1) == "&" { return make(.and, 2) }
            throw ExpressionSyntaxError(message: "unexpected '&': use '&&' for 'and'", offset: start)
        case "|":
            if peek(1) == "|" { return make(.or, 2) }
            throw ExpressionSyntaxError(message: "unexpected '|': use '||' for 'or'", offset: start)
        default:
            throw ExpressionSyntaxError(message: "unexpected character '\(c.escaped(asASCII: false))'", offset: start)
        }
    }

    static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "$": true
        default: false
        }
    }

    private mutating func number(_ start: Int) throws(ExpressionSyntaxError) -> Token {
        while let d = peek(), ("0"..."9").contains(d) { position += 1 }
        if peek() == ".", let d = peek(1), ("0"..."9").contains(d) {
            position += 1
            while let d = peek(), ("0"..."9").contains(d) { position += 1 }
        }
        if let e = peek(), e == "e" || e == "E" {
            var look = 1
            if let sign = peek(1), sign == "+" || sign == "-" { look = 2 }
            if let d = peek(look), ("0"..."9").contains(d) {
                position += look
                while let d = peek(), ("0"..."9").contains(d) { position += 1 }
            }
        }
        if let c = peek(), Self.isIdentifierPart(c) {
            throw ExpressionSyntaxError(
                message: "a number cannot run into a name: put a space or operator here", offset: position)
        }
        let text = String(String.UnicodeScalarView(scalars[start..<position]))
        guard let value = Double(text) else {
            throw ExpressionSyntaxError(message: "'\(text)' is not a number", offset: start)
        }
        return Token(kind: .number(value), offset: start, length: position - start)
    }

    private mutating func string(_ start: Int, quote: Unicode.Scalar) throws(ExpressionSyntaxError) -> Token {
        position += 1
        var value = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw ExpressionSyntaxError(message: "unterminated string: add the closing \(quote)", offset: start)
            }
            position += 1
            if c == quote { break }
            if c == "\\" {
                guard let e = peek() else {
                    throw ExpressionSyntaxError(message: "unterminated string: add the closing \(quote)", offset: start)
                }
                position += 1
                switch e {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                case "\\", "\"", "'", "/": value.append(e)
                case "u":
                    let digits = (0..<4).compactMap { peek($0) }
                    guard digits.count == 4,
                        let code = UInt32(String(String.UnicodeScalarView(digits)), radix: 16),
                        let scalar = Unicode.Scalar(code)
                    else {
                        throw ExpressionSyntaxError(message: "'\\u' needs four hex digits", offset: position - 2)
                    }
                    position += 4
                    value.append(scalar)
                default:
                    throw ExpressionSyntaxError(message: "unknown escape '\\\(e)'", offset: position - 2)
                }
            } else {
                value.append(c)
            }
        }
        return Token(kind: .string(String(value)), offset: start, length: position - start)
    }
}
