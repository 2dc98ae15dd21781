extension SendResult {
    /// What came of an operation, for an attempt's log (`events show`).
    public var logText: String {
        switch self {
        case .done: "sent"
        case .unchanged: "unchanged: not sent"
        case .refused(let failure): "refused\(failure.status.map { " \($0)" } ?? ""): \(failure.reason)"
        case .notSent(let reason, _): "not sent: \(reason)"
        case .inDoubt(let failure): "no clear answer (it may have happened): \(failure.reason)"
        case .quotaExhausted(let reason, _): "not sent: \(reason)"
        }
    }
}
