extension Expr {
    /// The expressions directly inside this one (a lambda's body included), for walks over the tree.
    var children: [Expr] {
        switch self {
        case .literal, .name, .slot: []
        case .member(let base, _, _), .unary(_, let base, _): [base]
        case .index(let l, let r, _), .binary(_, let l, let r, _), .and(let l, let r, _), .or(let l, let r, _),
            .coalesce(let l, let r, _):
            [l, r]
        case .conditional(let c, let t, let f, _): [c, t, f]
        case .array(let elements, _), .call(_, _, let elements, _), .builtin(_, let elements, _): elements
        case .object(let members, _): members.map(\.value)
        case .lambda(_, _, let body, _): [body]
        }
    }
}
