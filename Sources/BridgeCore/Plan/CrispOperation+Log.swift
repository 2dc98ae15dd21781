extension CrispOperation {
    /// Whom the operation is about, for an attempt's log: the contact's email, `session:ID`, or the method and
    /// origin of an `http` call (never its path or query, which may hold a secret).
    public var logSubject: String {
        if case .http(let call) = self {
            return "\(call.request.method) \(call.request.origin?.description ?? "(no origin)")"
        }
        return subject.key
    }
}
