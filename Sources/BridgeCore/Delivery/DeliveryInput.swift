/// What happened, as the worker reports it to `DeliveryLifecycle`: the result of the last action it executed
/// (planning, a mark, a look, a send) or a fact from outside (the lease is lost).
public enum DeliveryInput: Sendable, Hashable {
    /// This process has no pipeline of the event's name (another process stored it).
    case pipelineMissing(name: String)
    /// The event is part-way through a plan made by a version of its pipeline no longer known here.
    case pipelineVersionGone(name: String, from: String, to: String, replayID: Int64)
    /// The stored request, or the event within it, can no longer be planned (missing, unreadable, or the
    /// pipeline now splits the request differently): nothing later can change that.
    case unplannable(reason: String)
    /// `when` was false, or a `skip:` rule held (with its reason).
    case skipped(reason: String?)
    /// Planning failed (a fetch, an expression, Crisp's rules); `retryable` when trying later may succeed.
    case planFailed(reason: String, retryable: Bool)
    /// The plan: how each operation may be repeated; `earlierPending` is an earlier event of the same contact
    /// that is not through yet, if any.
    case planned([OperationRepeat], earlierPending: Int64?)
    /// Operation `index` is marked in flight in the store.
    case marked(index: Int)
    /// The look for operation `index` found that it happened, or that it did not.
    case looked(index: Int, happened: Bool)
    /// The look for operation `index` failed: whether it happened is still unknown. `slowDown` when the other
    /// side asked to (a rate limit, a `Retry-After`): then it is not looked for again at once.
    case lookFailed(index: Int, reason: String, slowDown: Bool = false)
    /// Operation `index` was sent (or not), with this result.
    case sent(index: Int, SendResult)
    /// The lease is no longer this worker's: another may have the event.
    case leaseLost
}
