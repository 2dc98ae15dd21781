import BridgeCore
import BridgeStore
import CrispPeople
import Foundation
import Logging

extension DeliveryWorker {
    /// What was last written to the contacts of an attempt, as its operations go through.
    struct Writes {
        /// Lower-cased email → what crisp-bridge last wrote to it (loaded on first use).
        var fields: [String: WrittenFields] = [:]
        /// Every value is sent (`always_write`, `replay --force`).
        let force: Bool
        /// Operations not sent because nothing in them changed.
        var unchanged = 0

        init(force: Bool) {
            self.force = force
        }
    }

    /// Records how far `event`'s plan got, with the version of the pipeline that planned it (so a restart
    /// part-way through knows which plan the progress counts in).
    func saveProgress(
        _ event: StoredEvent, _ progress: Int, contact: String?, inflightSince: Date?, written: ContactWrites? = nil
    ) async throws(BridgeStoreError) {
        try await store.saveProgress(
            eventID: event.id, progress: progress, contact: contact, inflightSince: inflightSince, written: written,
            plannedBy: event.plannedBy)
    }

    /// Carries out one operation and reports the step: only what differs from what was last written to the
    /// operation's contact is sent (nothing when nothing differs), and what was written is recorded with the
    /// progress. One that is not idempotent (a Crisp event) is marked in flight first; when a crash left it in
    /// flight, Crisp is asked whether it happened before it runs again.
    ///
    /// With `advance` false (a merged write, `deliverTogether`) the event's progress is left as it is: only
    /// what was written is recorded.
    func perform(
        _ planned: CrispOperation, at index: Int, of count: Int, _ event: StoredEvent, _ contact: String?,
        _ writes: inout Writes, advance: Bool = true, _ log: Logger
    ) async throws(BridgeStoreError) -> DeliveryStep {
        if case .http(let call) = planned {
            return try await performCall(call, at: index, of: count, event, contact, advance: advance, log)
        }
        if case .conversation(let session) = planned.subject, !(await conversationGuard.allows(session)) {
            BridgeMetrics.loopGuard(pipeline: event.pipeline)
            return .failed(
                index: index,
                DeliveryFailure(
                    reason:
                        "loop guard: crisp-bridge already wrote to conversation \(session) \(configuration.conversationWrites) times in the last 10 minutes (a pipeline acting on the hooks its own writes cause?); not written (replay the event once the cause is fixed; serve --conversation-writes sets the limit)",
                    retryable: false))
        }
        let key = planned.subject.key.lowercased()
        if writes.fields[key] == nil { writes.fields[key] = try await store.writtenFields(contact: key) }
        let known = writes.fields[key] ?? WrittenFields()
        let progress = advance ? index + 1 : event.progress
        var (changed, written) = planned.changes(against: known, force: writes.force)
        guard let operation = changed else {
            writes.unchanged += 1
            BridgeMetrics.unchanged(pipeline: event.pipeline, operation: planned.actionName)
            if advance {
                try await saveProgress(event, progress, contact: contact, inflightSince: nil)
            }
            return .performed(index: index, count: count)
        }
        let knownToExist = known.profileExists
        do {
            var created = false
            if !operation.isIdempotent {
                // An identical event may have gone out just before this one (several queued updates of one
                // contact): Crisp's events from before the last one seen through are not this one.
                if let since = event.inflightSince, index == event.progress,
                    try await crisp.wasPerformed(
                        operation,
                        since: max(
                            since.addingTimeInterval(-1),
                            known.lastEventPosted.map { $0.addingTimeInterval(0.001) } ?? .distantPast))
                {
                    log.info("\(operation.actionName) happened before a crash; not running it again")
                } else {
                    try await saveProgress(event, index, contact: contact, inflightSince: Date())
                    var failure: CrispError?
                    do { created = try await call(operation, knownToExist: knownToExist) } catch { failure = error }
                    if let failure {
                        if failure.status == 423 {
                            // Not sent, or refused for the quota: nothing was posted, nothing is in doubt.
                            try await saveProgress(event, index, contact: contact, inflightSince: nil)
                        }
                        throw failure
                    }
                }
            } else {
                created = try await call(operation, knownToExist: knownToExist)
            }
            if !operation.isIdempotent { written.merge(WrittenFields.eventPosted(at: Date())) { $1 } }
            // The loop guard counts what was written to a conversation: a note, or a meta that changed.
            if case .conversation(let session) = operation.subject, created || !operation.isIdempotent {
                await conversationGuard.record(session)
                created = false
            }
            if created && knownToExist {
                // Someone removed the profile in Crisp: what crisp-bridge remembers writing to it is gone with
                // it. Forget it, and send the whole operation (not only what changed) to the new profile.
                log.notice("the profile was missing in Crisp (removed there?) and was created again")
                written = Dictionary(uniqueKeysWithValues: known.digests.keys.map { ($0, String?.none) })
                written.merge(planned.changes(against: WrittenFields(), force: true).written) { $1 }
                writes.fields[key] = WrittenFields()
                if operation != planned && planned.isIdempotent {
                    _ = try await call(planned, knownToExist: true)
                }
            }
        } catch let error as CrispError {
            var retryAfter = error.retryAfter.map { Double($0.components.seconds) }
            // Crisp's quota used up: the event comes back when the pause lets the next probe through.
            if error.status == 423, let probe = crisp.quota?.nextProbeAt {
                retryAfter = max(0, probe.timeIntervalSinceNow)
            }
            return .failed(
                index: index,
                DeliveryFailure(
                    reason: error.description, status: error.status, retryable: error.isRetryable,
                    rateLimited: error.isRateLimit, retryAfter: retryAfter))
        } catch let error as BridgeStoreError {
            throw error
        } catch {
            return .failed(index: index, DeliveryFailure(reason: "\(error)", retryable: true))
        }
        try await saveProgress(
            event, progress, contact: contact, inflightSince: nil,
            written: ContactWrites(contact: key, digests: written))
        writes.fields[key]?.apply(written)
        return .performed(index: index, count: count)
    }
}
