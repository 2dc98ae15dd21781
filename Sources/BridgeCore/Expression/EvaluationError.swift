/// A failure while running an expression, at a span of its text.
struct EvaluationError: Error, Sendable {
    var message: String
    var span: Span
}
