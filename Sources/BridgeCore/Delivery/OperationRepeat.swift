/// Whether an operation may be sent again when a crash or a lost answer left it in doubt.
public enum OperationRepeat: Sendable, Hashable {
    /// Running it twice has the effect of running it once (a profile, data, segments, a conversation meta, an
    /// `http` call with an idempotency key).
    case safe
    /// Not idempotent, but the other side can be asked whether it happened (a Crisp event, a note): it is
    /// marked in flight before it is sent, and looked for before it is sent again.
    case afterLook
    /// Not idempotent and cannot be looked for (an `http` call without an idempotency key): marked in flight
    /// before it is sent, and never sent again once in doubt (dead, for an operator to replay).
    case never
}
