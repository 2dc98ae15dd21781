/// The plans of several events of one contact that wait in order, merged into one write per route: one profile
/// upsert, one custom-data write and one segments change per email, with the values the events would have left
/// had they run one after the other (later values win per field and key; segment additions and removals
/// applied in order), then every Crisp event of every source, each posted once, in order.
///
/// Writes come before events, so a source whose event went through has had all its writes done too: its
/// progress can point past that event (see `DeliveryWorker`).
public struct CoalescedPlan: Sendable {
    /// An operation of a source event's plan.
    public struct Source: Sendable, Hashable {
        public var event: Int64
        /// Its index in that event's plan.
        public var index: Int

        public init(event: Int64, index: Int) {
            self.event = event
            self.index = index
        }
    }

    /// The merged writes, in the order their email first appeared.
    public private(set) var writes: [CrispOperation] = []
    /// Every Crisp event of every source, in order, with where it came from.
    public private(set) var events: [(operation: CrispOperation, source: Source)] = []

    /// Where a plan's Crisp events start when all its writes come before them (the plan's length when it has no
    /// event), or nil when a write follows an event: only such a plan may join a merged delivery, so that once
    /// the merged writes are done, its progress can point at its first event.
    public static func eventsStart(of operations: [CrispOperation]) -> Int? {
        // Conversation operations, calls and writes to another website are not merged: each event's go out as
        // planned.
        if operations.contains(where: { $0.email == nil || $0.websiteID != nil }) { return nil }
        let start = operations.firstIndex { if case .event = $0 { true } else { false } } ?? operations.count
        let writeAfter = operations[start...].contains { if case .event = $0 { false } else { true } }
        return writeAfter ? nil : start
    }

    /// Merges `plans` (each event's operations, oldest event first).
    public init(_ plans: [(event: Int64, operations: [CrispOperation])]) {
        var contacts: [String: Contact] = [:]
        var order: [String] = []
        for (event, operations) in plans {
            for (index, operation) in operations.enumerated() {
                if case .event = operation {
                    events.append((operation, Source(event: event, index: index)))
                    continue
                }
                guard let email = operation.email else { continue }
                let key = email.lowercased()
                if contacts[key] == nil {
                    contacts[key] = Contact(email: email)
                    order.append(key)
                }
                contacts[key]?.merge(operation)
            }
        }
        writes = order.flatMap { contacts[$0]?.operations ?? [] }
    }

    /// What the sources wrote to one email, so far.
    private struct Contact {
        let email: String
        var profile: ProfileUpsert?
        var data: DataUpdate?
        /// Segment → added (true) or removed (false), the last change winning, in the order first named.
        var segments: [(name: String, added: Bool)] = []

        init(email: String) {
            self.email = email
        }

        mutating func merge(_ operation: CrispOperation) {
            switch operation {
            case .profile(let upsert):
                var merged = profile ?? ProfileUpsert(email: email)
                if let person = upsert.person { merged.person = (merged.person ?? [:]).merging(person) { $1 } }
                if let company = upsert.company { merged.company = (merged.company ?? [:]).merging(company) { $1 } }
                merged.notepad = upsert.notepad ?? merged.notepad
                merged.active = upsert.active ?? merged.active
                profile = merged
                for name in upsert.segments { setSegment(name, added: true) }
            case .data(let update):
                guard var merged = data, update.mode == .merge else {
                    data = update
                    return
                }
                for (key, value) in update.data {
                    merged.data[key] = value
                    merged.unset.removeAll { $0 == key }
                }
                for key in update.unset {
                    merged.data[key] = nil
                    if merged.mode == .merge && !merged.unset.contains(key) { merged.unset.append(key) }
                }
                data = merged
            case .segments(let change):
                for name in change.add { setSegment(name, added: true) }
                for name in change.remove { setSegment(name, added: false) }
            case .event, .conversation, .note, .http:
                break
            }
        }

        private mutating func setSegment(_ name: String, added: Bool) {
            if let index = segments.firstIndex(where: { $0.name == name }) {
                segments[index].added = added
            } else {
                segments.append((name, added))
            }
        }

        /// One operation per route: segments ride on the profile upsert when they are only added.
        var operations: [CrispOperation] {
            let added = segments.filter(\.added).map(\.name)
            let removed = segments.filter { !$0.added }.map(\.name)
            var result: [CrispOperation] = []
            var change = SegmentsUpdate(email: email, add: added, remove: removed)
            if var profile {
                if removed.isEmpty {
                    profile.segments = added
                    change.add = []
                }
                result.append(.profile(profile))
            }
            if let data { result.append(.data(data)) }
            if !change.add.isEmpty || !change.remove.isEmpty { result.append(.segments(change)) }
            return result
        }
    }
}
