extension Expr {
    /// The frame slots the expression reads (lambda parameters excluded): what it depends on.
    var slotsRead: Set<Int> {
        var slots: Set<Int> = []
        collectSlots(bound: [], into: &slots)
        return slots
    }

    private func collectSlots(bound: Set<Int>, into slots: inout Set<Int>) {
        switch self {
        case .slot(let slot, _):
            if !bound.contains(slot) { slots.insert(slot) }
        case .literal, .name:
            break
        case .member(let base, _, _), .unary(_, let base, _):
            base.collectSlots(bound: bound, into: &slots)
        case .index(let l, let r, _), .binary(_, let l, let r, _), .and(let l, let r, _), .or(let l, let r, _),
            .coalesce(let l, let r, _):
            l.collectSlots(bound: bound, into: &slots)
            r.collectSlots(bound: bound, into: &slots)
        case .conditional(let c, let t, let f, _):
            for e in [c, t, f] { e.collectSlots(bound: bound, into: &slots) }
        case .array(let elements, _), .call(_, _, let elements, _), .builtin(_, let elements, _):
            for e in elements { e.collectSlots(bound: bound, into: &slots) }
        case .object(let members, _):
            for member in members { member.value.collectSlots(bound: bound, into: &slots) }
        case .lambda(_, let parameters, let body, _):
            body.collectSlots(bound: bound.union(parameters), into: &slots)
        }
    }
}
