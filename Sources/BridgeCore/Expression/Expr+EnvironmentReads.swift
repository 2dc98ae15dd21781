extension Expr {
    /// The `env.NAME` (or `env["NAME"]`) reads in the expression, with where they start and whether the
    /// expression gives a value for when the variable is unset: inside the first argument of `default(…)` or
    /// on the left of `??`.
    var environmentReads: [(name: String, offset: Int, hasDefault: Bool)] {
        var reads: [(name: String, offset: Int, hasDefault: Bool)] = []
        collectEnvironmentReads(defaulted: false, into: &reads)
        return reads
    }

    private func collectEnvironmentReads(
        defaulted: Bool, into reads: inout [(name: String, offset: Int, hasDefault: Bool)]
    ) {
        switch self {
        case .member(.slot(Slot.env, _), let name, let span):
            reads.append((name, span.offset, defaulted))
        case .index(.slot(Slot.env, _), .literal(.string(let name), _), let span):
            reads.append((name, span.offset, defaulted))
        case .coalesce(let left, let right, _):
            left.collectEnvironmentReads(defaulted: true, into: &reads)
            right.collectEnvironmentReads(defaulted: defaulted, into: &reads)
        case .builtin(let function, let arguments, _) where function.name == "default" && !arguments.isEmpty:
            arguments[0].collectEnvironmentReads(defaulted: true, into: &reads)
            for argument in arguments.dropFirst() {
                argument.collectEnvironmentReads(defaulted: defaulted, into: &reads)
            }
        default:
            for child in children { child.collectEnvironmentReads(defaulted: defaulted, into: &reads) }
        }
    }
}
