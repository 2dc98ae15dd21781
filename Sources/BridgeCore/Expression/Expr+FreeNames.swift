extension Expr {
    /// The names the expression reads from its scope (lambda parameters excluded), in order of first use.
    var freeNames: [String] {
        var names: [String] = []
        collectNames(bound: [], into: &names)
        return names
    }

    private func collectNames(bound: Set<String>, into names: inout [String]) {
        switch self {
        case .name(let name, _):
            if !bound.contains(name), !names.contains(name) { names.append(name) }
        case .literal, .slot:
            break
        case .member(let base, _, _), .unary(_, let base, _):
            base.collectNames(bound: bound, into: &names)
        case .index(let l, let r, _), .binary(_, let l, let r, _), .and(let l, let r, _), .or(let l, let r, _),
            .coalesce(let l, let r, _):
            l.collectNames(bound: bound, into: &names)
            r.collectNames(bound: bound, into: &names)
        case .conditional(let c, let t, let f, _):
            for e in [c, t, f] { e.collectNames(bound: bound, into: &names) }
        case .array(let elements, _), .call(_, _, let elements, _), .builtin(_, let elements, _):
            for e in elements { e.collectNames(bound: bound, into: &names) }
        case .object(let members, _):
            for member in members { member.value.collectNames(bound: bound, into: &names) }
        case .lambda(let parameters, _, let body, _):
            body.collectNames(bound: bound.union(parameters), into: &names)
        }
    }
}
