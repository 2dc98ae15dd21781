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

extension Expr {
    /// Whether a call in the tree may leave a value out with a note (`BuiltinFunction.dropped`): only such an
    /// expression looks for the plan's `DroppedValues` collector when it has run.
    var mayDropValues: Bool {
        var stack: [Expr] = [self]
        while let node = stack.popLast() {
            if case .builtin(let function, _, _) = node, function.dropped != nil { return true }
            stack.append(contentsOf: node.children)
        }
        return false
    }
}
