import BridgeCore

/// What planned events would cost of Crisp's request quota, added up event by event.
struct PlanCost {
    /// Events seen.
    private(set) var events = 0
    /// Requests for contacts that are new to Crisp.
    private(set) var new = 0
    /// Requests at most (values already written cost none).
    private(set) var atMost = 0

    mutating func add(_ event: EventOutcome) {
        events += 1
        guard case .planned(let operations) = event.status else { return }
        for operation in operations {
            let cost = operation.requestCost
            new += cost.new
            atMost += cost.atMost
        }
    }
}
