/// One lexical token of an expression, with its offset (in Unicode scalars) in the expression text.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Hashable {
        case number(Double)
        case string(String)
        case identifier(String)
        case `true`, `false`, null
        case dot, comma, colon, question, questionQuestion, arrow
        case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
        case plus, minus, star, slash, percent
        case equal, notEqual, less, lessEqual, greater, greaterEqual
        case and, or, not
        case end
    }

    var kind: Kind
    var offset: Int
    var length: Int

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case .number(let n): "number \(JSONValue.format(number: n))"
        case .string: "a string"
        case .identifier(let name): "'\(name)'"
        case .true: "'true'"
        case .false: "'false'"
        case .null: "'null'"
        case .end: "the end of the expression"
        default: "'\(Self.symbol(kind))'"
        }
    }

    static func symbol(_ kind: Kind) -> String {
        switch kind {
        case .dot: "."
        case .comma: ","
        case .colon: ":"
        case .question: "?"
        case .questionQuestion: "??"
        case .arrow: "=>"
        case .leftParen: "("
        case .rightParen: ")"
        case .leftBracket: "["
        case .rightBracket: "]"
        case .leftBrace: "{"
        case .rightBrace: "}"
        case .plus: "+"
        case .minus: "-"
        case .star: "*"
        case .slash: "/"
        case .percent: "%"
        case .equal: "=="
        case .notEqual: "!="
        case .less: "<"
        case .lessEqual: "<="
        case .greater: ">"
        case .greaterEqual: ">="
        case .and: "&&"
        case .or: "||"
        case .not: "!"
        default: ""
        }
    }
}
