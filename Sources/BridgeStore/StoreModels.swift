import BridgeCore
import Foundation

/// Where an event stands.
public enum EventStatus: String, Sendable, CaseIterable {
    /// Waiting for its first or next attempt.
    case pending
    /// Delivered (or skipped by `when`): nothing more to do.
    case done
    /// Given up: a permanent failure, or retries ran out. Kept with its reason; `replay` sends it again.
    case dead
}

/// A request accepted at intake, as it is stored: the pipeline, and the request with its exact body bytes
/// (credentials already redacted from its headers).
public struct IncomingRequest: Sendable {
    public var pipeline: String
    public var webhook: WebhookRequest

    public init(pipeline: String, webhook: WebhookRequest) {
        self.pipeline = pipeline
        self.webhook = webhook
    }
}

/// One event of an incoming request: its position, dedupe id, and what intake knew of its contact.
public struct IncomingEvent: Sendable, Hashable {
    public var index: Int
    public var dedupeID: String
    /// The key whose events run one at a time in the order received (the contact), when known at intake: the
    /// store claims an event only when no earlier event with this key is pending.
    public var orderKey: String?
    /// The contact's email, when intake knew it (the order key is then the email).
    public var contact: String?

    public init(index: Int, dedupeID: String, orderKey: String? = nil, contact: String? = nil) {
        self.index = index
        self.dedupeID = dedupeID
        self.orderKey = orderKey
        self.contact = contact
    }
}

/// What intake did with an event: stored it, or found it was already accepted (a sender's retry).
public struct AcceptedEvent: Sendable, Hashable {
    /// The stored event's id (the existing one for a duplicate).
    public var eventID: Int64
    public var dedupeID: String
    public var duplicate: Bool
    /// The stored request it came from (nil for a duplicate: nothing was stored).
    public var requestID: Int64? = nil
}

/// A stored request: its id, pipeline and the request as received.
public struct StoredRequest: Sendable {
    public var id: Int64
    public var pipeline: String
    public var webhook: WebhookRequest
}

/// A stored event and its delivery state.
public struct StoredEvent: Sendable, Hashable {
    public var id: Int64
    public var requestID: Int64
    public var pipeline: String
    public var index: Int
    public var dedupeID: String
    public var status: EventStatus
    /// Attempts made so far.
    public var attempts: Int
    public var nextAttemptAt: Date?
    /// How many of the plan's operations have been carried out: a retry starts after them.
    public var progress: Int
    /// The contact (email) the plan is about, once planned: events of one contact run in order.
    public var contact: String?
    /// When the operation at `progress` was started, if it is one that must not run twice (a Crisp event) and
    /// its outcome was not recorded (a crash): the retry first checks whether it happened.
    public var inflightSince: Date?
    public var lastError: String?
    /// The key its order is kept by, when known at intake.
    public var orderKey: String?
    /// Until when the worker that claimed it holds it (nil when unclaimed).
    public var leaseUntil: Date?
    /// The earlier event of the same contact this one waits for, while it waits.
    public var waitingFor: Int64?
    /// Where its age limit counts from: when it was received, or last replayed.
    public var ageFrom: Date
    public var createdAt: Date
    public var updatedAt: Date
    /// Replayed with `--force`: every value is written, even one equal to what was last written.
    public var forceWrite: Bool = false
    /// The version of its pipeline (`Pipeline.version`, a hash of the file) that planned its last attempt.
    public var plannedBy: String? = nil
    /// What the claim that took it saw around it (nil when it was read by anything but a claim).
    public var claimed: ClaimView? = nil
    /// The warnings of its plan in this process (values a rule left out): not a column, said in the record of
    /// the attempt that carries the plan out.
    public var planWarnings: [String] = []

    /// This event with what its claim saw around it; what was written is known only for a contact known then.
    func seen(_ view: ClaimView?) -> StoredEvent {
        var event = self
        event.claimed = view
        if contact == nil { event.claimed?.writtenFields = nil }
        return event
    }

    /// Whether its writes may go out merged with those of other events of its contact (`CoalescedPlan`):
    /// nothing of it has been carried out yet, nothing is in flight, and it is not forced to write everything.
    public var mayCoalesce: Bool {
        progress == 0 && inflightSince == nil && !forceWrite
    }

    /// Whether it may join the attempt of the event right before it with its order key (`claimFollowers`): it
    /// may coalesce and nobody holds it.
    func mayFollow(now: Date) -> Bool {
        mayCoalesce && (leaseUntil.map { $0 < now } ?? true)
    }

    /// The same event, held until `until`.
    func leased(until: Date) -> StoredEvent {
        var event = self
        event.leaseUntil = until
        return event
    }
}

/// One delivery attempt.
public struct AttemptRecord: Sendable, Hashable {
    public var eventID: Int64
    public var at: Date
    /// `done`, `skipped`, `retry`, `dead`, `replayed`.
    public var outcome: String
    /// Crisp's HTTP status, when it answered.
    public var httpStatus: Int?
    public var reason: String
    /// How long the attempt took, from its claim to its end (nil for replays and older records).
    public var duration: TimeInterval?
    /// What the attempt sent, in order: each operation's action, subject and result (`OperationLog`).
    public var operations: [OperationLog] = []

    public init(
        eventID: Int64, at: Date, outcome: String, httpStatus: Int? = nil, reason: String,
        duration: TimeInterval? = nil, operations: [OperationLog] = []
    ) {
        self.operations = operations
        self.eventID = eventID
        self.at = at
        self.outcome = outcome
        self.httpStatus = httpStatus
        self.reason = reason
        self.duration = duration
    }
}

/// A secret a sender handed over in a handshake, and whether the operator trusts it.
public struct HandshakeSecret: Sendable, Hashable {
    public var secret: String
    /// When the newest handshake carrying it arrived.
    public var receivedAt: Date
    /// Where that handshake came from: the peer's address, and what `X-Forwarded-For` claimed (nil before this
    /// was recorded).
    public var source: String?
    public var trusted: Bool
}

/// The one error type of BridgeStore.
public struct BridgeStoreError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What one operation wrote to a contact: field → digest (nil forgets the field), see `WrittenFields`.
public struct ContactWrites: Sendable, Hashable {
    /// The contact's email, lower-cased.
    public var contact: String
    public var digests: [String: String?]

    public init(contact: String, digests: [String: String?]) {
        self.contact = contact.lowercased()
        self.digests = digests
    }
}

/// How far an attempt got, recorded with its ending: the progress, the operation still in flight at it (when
/// its outcome is in doubt), the contact, and what the operations since the last record wrote.
public struct ProgressSave: Sendable, Hashable {
    public var progress: Int
    /// When the operation at `progress` was marked in flight, if it still is; nil clears the mark.
    public var inflightSince: Date?
    public var contact: String?
    public var written: [ContactWrites]
    /// What this attempt sent (kept with the attempt's record).
    public var operations: [OperationLog]
    /// The warnings of the plan this attempt carried out (values a rule left out), said in its record.
    public var warnings: [String] = []

    public init(
        progress: Int, inflightSince: Date?, contact: String?, written: [ContactWrites] = [],
        operations: [OperationLog] = [], warnings: [String] = []
    ) {
        self.warnings = warnings
        self.progress = progress
        self.inflightSince = inflightSince
        self.contact = contact
        self.written = written
        self.operations = operations
    }
}

/// What one retention batch did.
public struct PruneBatch: Sendable, Hashable {
    /// Events found past retention (fewer than the limit: the pass reached the newest).
    public var found: Int
    /// Events removed (fewer than found when some were replayed or claimed meanwhile).
    public var removed: Int
    /// The highest id found: the next batch starts after it.
    public var through: Int64?

    public init(found: Int, removed: Int, through: Int64?) {
        self.found = found
        self.removed = removed
        self.through = through
    }
}

/// What a store holds: `events stats` and the console's overview.
public struct StoreStats: Sendable, Hashable {
    /// Bytes on disk (the SQLite file and its WAL, or the PostgreSQL database), when known.
    public var bytes: Int64?
    /// Events in each status.
    public var byStatus: [EventStatus: Int]
    /// When the oldest event kept was received.
    public var oldest: Date?
    /// How freed space goes back: `incremental` (SQLite gives pages back after each prune), `none` (SQLite
    /// reuses them but the file does not shrink: a store created before retention), `autovacuum` (PostgreSQL).
    public var reclaim: String

    public init(bytes: Int64?, byStatus: [EventStatus: Int], oldest: Date?, reclaim: String) {
        self.bytes = bytes
        self.byStatus = byStatus
        self.oldest = oldest
        self.reclaim = reclaim
    }
}
