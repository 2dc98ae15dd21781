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
        case .lambda(let parameters, _, let body, _):
            body.collectNames(bound: bound.union(parameters), into: &names)
        default:
            for child in children { child.collectNames(bound: bound, into: &names) }
        }
    }
}
