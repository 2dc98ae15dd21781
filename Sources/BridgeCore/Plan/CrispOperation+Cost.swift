extension CrispOperation {
    /// The Crisp requests this operation costs when sent as planned: for a contact crisp-bridge has not written
    /// before (a new profile is added without a look first), and at most, for a profile that already exists in
    /// Crisp but not in crisp-bridge's memory (a refused add, a read, an update). Operations whose values were
    /// written before cost nothing.
    public var requestCost: (new: Int, atMost: Int) {
        switch self {
        case .profile: (1, 3)
        case .data(let update): update.mode == .merge && !update.unset.isEmpty ? (2, 2) : (1, 1)
        case .segments: (2, 2)
        case .event: (1, 1)
        case .conversation: (2, 2)
        case .note: (1, 1)
        case .http: (0, 0)
        }
    }
}
