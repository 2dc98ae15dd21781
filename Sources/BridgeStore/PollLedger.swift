import BridgeCore
import Foundation

/// The state of poll pipelines: who polls each one (a lease, so one instance at a time), its cursor, when it is
/// next due, and its failures.
public protocol PollLedger: Sendable {
    /// Takes the poll lease of `pipeline` for `owner` until `until` and returns its state, or nil while another
    /// owner's lease holds (only one instance polls a pipeline at a time), or, with `onlyIfDue`, while its next
    /// poll is not due. The pipeline's row is made on its first claim. A lease already held by `owner` is
    /// extended.
    func claimPoll(pipeline: String, owner: String, now: Date, until: Date, onlyIfDue: Bool)
        async throws(BridgeStoreError) -> PollState?

    /// Ends a poll that `owner` holds the lease of, in one transaction: a success stores the new items as events
    /// (those already seen are duplicates) and the cursor; a failure keeps the cursor and counts the failure.
    /// Either way the next poll is due at `next` and the lease is given back. Throws when the lease is no longer
    /// `owner`'s: nothing is stored, and the new owner polls again from the same cursor.
    func finishPoll(
        pipeline: String, owner: String, completion: PollCompletion, at: Date, next: Date
    ) async throws(BridgeStoreError) -> [AcceptedEvent]

    /// Every poll pipeline's state, by name.
    func pollStates() async throws(BridgeStoreError) -> [PollState]

    /// Sets a poll pipeline's cursor by hand (nil: as if never polled, so `start` applies again), drops where
    /// paging stopped and the failure count, and makes the next poll due at once. Items already stored stay
    /// stored (their ids are still seen).
    func setPollCursor(pipeline: String, cursor: JSONValue?) async throws(BridgeStoreError)
}
