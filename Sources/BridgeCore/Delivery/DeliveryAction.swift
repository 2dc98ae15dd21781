/// What the worker does next for an event, as `DeliveryLifecycle` decides it. Each action but the two that end
/// the attempt is answered with one `DeliveryInput`.
public enum DeliveryAction: Sendable, Hashable {
    /// Record in the store that operation `index` starts (it must not run twice), with the progress up to it:
    /// answered with `marked`.
    case markInFlight(index: Int)
    /// Ask the other side whether operation `index` happened: answered with `looked` or `lookFailed`.
    case look(index: Int)
    /// Send operation `index` (only what changed since the last write; nothing when nothing did): answered
    /// with `sent`.
    case send(index: Int)
    /// End the attempt with this outcome (the store records it, with the lifecycle's `event`: how far the plan
    /// got and whether an operation is still in flight, and releases the lease).
    case finish(DeliveryOutcome)
    /// Stop without recording anything: another worker may have the event.
    case abandon(reason: String)
}
