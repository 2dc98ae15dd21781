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

        /// Starts from what the claim of `event` read of its contact, if it did (its contact known and stored
        /// lower-cased), so it is not read again.
        mutating func seed(from event: StoredEvent) {
            guard let contact = event.contact, contact == contact.lowercased(),
                let known = event.claimed?.writtenFields, fields[contact] == nil
            else { return }
            fields[contact] = WrittenFields(known)
        }
    }

    /// What crisp-bridge last wrote to the subject of `operation`.
    func known(_ operation: CrispOperation, _ writes: inout Writes) async throws(BridgeStoreError) -> WrittenFields {
        let key = operation.subject.key.lowercased()
        if let fields = writes.fields[key] { return fields }
        let fields = try await store.writtenFields(contact: key)
        writes.fields[key] = fields
        return fields
    }

    /// The record that an event or a note of `operation`'s contact was seen through now.
    func eventPosted(_ operation: CrispOperation) -> ContactWrites {
        ContactWrites(contact: operation.subject.key.lowercased(), digests: WrittenFields.eventPosted(at: clock.now()))
    }

    /// Asks Crisp whether `operation`, marked in flight at `markedAt`, happened. An identical event may have gone
    /// out just before this one (several queued updates of one contact): Crisp's events from before the last one
    /// seen through are not this one.
    func look(_ operation: CrispOperation, since markedAt: Date?, _ writes: inout Writes) async throws -> Bool {
        let known = try await known(operation, &writes)
        let since = (markedAt ?? clock.now()).addingTimeInterval(-1)
        return try await crisp.wasPerformed(
            operation, since: max(since, known.lastEventPosted.map { $0.addingTimeInterval(0.001) } ?? .distantPast))
    }

    /// Sends one operation and reports how it went, with what it wrote (saved with the progress that follows):
    /// only what differs from what was last written to the operation's contact is sent, nothing when nothing
    /// differs. It decides nothing: the result goes to the lifecycle.
    func send(
        _ planned: CrispOperation, at index: Int, _ event: StoredEvent, _ writes: inout Writes, _ log: Logger
    ) async throws(BridgeStoreError) -> (SendResult, ContactWrites?) {
        if case .http(let call) = planned {
            return (await send(call, at: index, event, log), nil)
        }
        if case .conversation(let session, _) = planned.subject,
            !(try await conversationGuard.allows(planned.subject.key, now: clock.now()))
        {
            BridgeMetrics.loopGuard(pipeline: event.pipeline)
            return (
                .notSent(
                    reason:
                        "loop guard: crisp-bridge already wrote to conversation \(session) \(configuration.conversationWrites) times in the last 10 minutes (a pipeline acting on the hooks its own writes cause?); not written (replay the event once the cause is fixed; serve --conversation-writes sets the limit)",
                    retryable: false), nil
            )
        }
        let key = planned.subject.key.lowercased()
        let known = try await known(planned, &writes)
        var (changed, written) = planned.changes(against: known, force: writes.force)
        guard let operation = changed else {
            writes.unchanged += 1
            BridgeMetrics.unchanged(pipeline: event.pipeline, operation: planned.actionName)
            return (.unchanged, nil)
        }
        let knownToExist = known.profileExists
        do {
            var created = try await call(operation, knownToExist: knownToExist)
            if operation.repeatability != .safe { written.merge(eventPosted(operation).digests) { $1 } }
            // The loop guard counts what was written to a conversation: a note, or a meta that changed.
            if case .conversation = operation.subject, created || operation.repeatability != .safe {
                // Counting is best effort: a store that fails here fails the attempt's next step anyway.
                try? await conversationGuard.record(operation.subject.key, now: clock.now())
                created = false
            }
            if created && knownToExist {
                // Someone removed the profile in Crisp: what crisp-bridge remembers writing to it is gone with
                // it. Forget it, and send the whole operation (not only what changed) to the new profile.
                log.notice("the profile was missing in Crisp (removed there?) and was created again")
                written = Dictionary(uniqueKeysWithValues: known.digests.keys.map { ($0, String?.none) })
                written.merge(planned.changes(against: WrittenFields(), force: true).written) { $1 }
                writes.fields[key] = WrittenFields()
                if operation != planned && planned.repeatability == .safe {
                    _ = try await call(planned, knownToExist: true)
                }
            }
        } catch {
            return (error.sendResult(quotaUntil: crisp.quota?.nextProbeAt, now: clock.now()), nil)
        }
        writes.fields[key]?.apply(written)
        return (.done, ContactWrites(contact: key, digests: written))
    }
}
