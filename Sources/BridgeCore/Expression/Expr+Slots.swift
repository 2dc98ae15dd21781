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
        case .lambda(_, let parameters, let body, _):
            body.collectSlots(bound: bound.union(parameters), into: &slots)
        default:
            for child in children { child.collectSlots(bound: bound, into: &slots) }
        }
    }
}
