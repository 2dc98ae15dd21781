/// A span of expression text: offset and length in Unicode scalars.
struct Span: Sendable, Equatable {
    var offset: Int
    var length: Int

    static func covering(_ a: Span, _ b: Span) -> Span {
        Span(offset: a.offset, length: max(a.length, b.offset + b.length - a.offset))
    }
}

/// The syntax tree of an expression. Names are resolved to slots once, when the pipeline loads.
indirect enum Expr: Sendable {
    enum UnaryOperator: Sendable { case not, negate }
    enum BinaryOperator: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
        case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    }

    case literal(JSONValue, Span)
    /// A name as written; `ExpressionCompiler` turns it into `.slot`.
    case name(String, Span)
    case slot(Int, Span)
    case member(Expr, String, Span)
    case index(Expr, Expr, Span)
    case array([Expr], Span)
    case object([(key: String, value: Expr)], Span)
    case unary(UnaryOperator, Expr, Span)
    case binary(BinaryOperator, Expr, Expr, Span)
    case and(Expr, Expr, Span)
    case or(Expr, Expr, Span)
    case coalesce(Expr, Expr, Span)
    case conditional(Expr, Expr, Expr, Span)
    /// A call as written: the function name, its span, the arguments.
    case call(String, Span, [Expr], Span)
    /// A call resolved to a built-in function.
    case builtin(BuiltinFunction, [Expr], Span)
    /// `x => body` or `(a, b) => body`; parameter names become slots when compiled.
    case lambda([String], [Int], Expr, Span)

    var span: Span {
        switch self {
        case .literal(_, let s), .name(_, let s), .slot(_, let s), .member(_, _, let s), .index(_, _, let s),
            .array(_, let s), .object(_, let s), .unary(_, _, let s), .binary(_, _, _, let s), .and(_, _, let s),
            .or(_, _, let s), .coalesce(_, _, let s), .conditional(_, _, _, let s), .call(_, _, _, let s),
            .builtin(_, _, let s), .lambda(_, _, _, let s):
            s
        }
    }
}
