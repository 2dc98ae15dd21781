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

extension Expr {
    /// The first node found below `limit` levels (its span), or nil when the tree is no deeper. Walks with its
    /// own stack, so a deep tree cannot overflow the thread's.
    func deeperThan(_ limit: Int) -> Span? {
        var stack: [(Expr, Int)] = [(self, 1)]
        while let (node, level) = stack.popLast() {
            if level > limit { return node.span }
            for child in node.children { stack.append((child, level + 1)) }
        }
        return nil
    }
}
