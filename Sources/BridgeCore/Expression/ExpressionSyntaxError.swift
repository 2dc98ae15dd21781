/// A problem found while reading or checking an expression, at an offset (in Unicode scalars) of its text.
struct ExpressionSyntaxError: Error, Sendable, Equatable {
    var message: String
    var offset: Int
}
