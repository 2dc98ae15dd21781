import BridgeCore
import BridgeStore
import Foundation
import Testing

/// The behaviour every `BridgeStore` backend must have. SQLite runs it now; PostgreSQL will run the same.
enum StoreConformance {
    static func request(_ pipeline: String = "p", body: String = "{}", at: Date = Date()) -> IncomingRequest {
        IncomingRequest(
            pipeline: pipeline,
            webhook: WebhookRequest(
                method: "POST", path: "/hooks/x", query: "a=1", headers: ["content-type": "application/json"],
                body: Data(body.utf8), receivedAt: at))
    }

    /// An instance claims only the events of the pipelines it has loaded; the others stay due for one that has
    /// them (and are counted by pipeline).
    static func claimsOnlyTheLoadedPipelines(_ store: any BridgeStore) async throws {
        let now = Date()
        for (i, pipeline) in ["mine", "import-only", "mine", "import-only"].enumerated() {
            _ = try await store.accept(request(pipeline, at: now), events: [.init(index: 0, dedupeID: "e\(i)")])
        }
        #expect(try await store.pendingByPipeline() == ["mine": 2, "import-only": 2])
        let mine = try await store.claimDue(now: now, limit: 10, lease: 60, pipelines: ["mine", "other"])
        #expect(mine.map(\.pipeline) == ["mine", "mine"])
        #expect(try await store.claimDue(now: now, limit: 10, lease: 60, pipelines: ["mine"]).isEmpty)
        #expect(try await store.claimDue(now: now, limit: 10, lease: 60, pipelines: []).isEmpty)
        let theirs = try await store.claimDue(now: now, limit: 10, lease: 60, pipelines: ["import-only"])
        #expect(theirs.map(\.pipeline) == ["import-only", "import-only"])
    }

    /// The filters `events list`, the admin API and the console use, and pages by id.
    static func eventsAreFilteredAndPaged(_ store: any BridgeStore) async throws {
        let start = Date(timeIntervalSince1970: 1_750_000_000)
        for i in 0..<6 {
            _ = try await store.accept(
                request(i % 2 == 0 ? "shop" : "crm", at: start.addingTimeInterval(Double(i) * 60)),
                events: [
                    .init(
                        index: 0, dedupeID: "f\(i)", orderKey: "c\(i % 3)@example.com", contact: "c\(i % 3)@example.com"
                    )
                ])
        }
        let all = try await store.events(matching: EventFilter(limit: 10))
        #expect(all.map(\.dedupeID) == ["f5", "f4", "f3", "f2", "f1", "f0"])
        #expect(try await store.events(matching: EventFilter(pipeline: "shop")).map(\.dedupeID) == ["f4", "f2", "f0"])
        #expect(
            try await store.events(matching: EventFilter(contact: "C1@Example.com")).map(\.dedupeID) == ["f4", "f1"])
        let window = EventFilter(since: start.addingTimeInterval(60), until: start.addingTimeInterval(180))
        #expect(try await store.events(matching: window).map(\.dedupeID) == ["f2", "f1"])
        #expect(try await store.events(matching: EventFilter(status: .dead)).isEmpty)
        let first = try await store.events(matching: EventFilter(limit: 4))
        let next = try await store.events(matching: EventFilter(before: first.last?.id, limit: 4))
        #expect(first.count == 4 && next.map(\.dedupeID) == ["f1", "f0"])
    }

    /// Retention: done and dead events past their windows go with their attempts and the requests no event
    /// refers to any more; pending ones and a request still referred to stay; batches are bounded.
    static func pruneRemovesWhatRetentionEndsOnly(_ store: any BridgeStore) async throws {
        let t = Date(timeIntervalSince1970: 1_750_000_000)
        let one = try await store.accept(request(at: t), events: [.init(index: 0, dedupeID: "p1")])
        let batch = try await store.accept(
            request(body: "[1,2]", at: t), events: [.init(index: 0, dedupeID: "p2a"), .init(index: 1, dedupeID: "p2b")])
        let dead = try await store.accept(request(at: t), events: [.init(index: 0, dedupeID: "p3")])
        for id in [one[0].eventID, batch[0].eventID] {
            try await store.finish(eventID: id, outcome: .delivered(operations: 1, unchanged: 0), at: t)
        }
        try await store.finish(eventID: dead[0].eventID, outcome: .dead(reason: "invalid_data", status: 400), at: t)
        var stats = try await store.stats()
        #expect(stats.byStatus == [.pending: 1, .done: 2, .dead: 1] && stats.oldest == t, "\(stats)")

        // An attempt keeps what it sent, operation by operation.
        let log = [
            OperationLog(index: 0, action: "crisp.profile", subject: "ada@example.com", result: "sent"),
            OperationLog(index: 1, action: "crisp.data", subject: "ada@example.com", result: "unchanged: not sent"),
        ]
        try await store.finish(
            eventID: batch[1].eventID, outcome: .retry(at: t, reason: "Crisp 503", status: 503), at: t, startedAt: t,
            plannedBy: nil, progress: ProgressSave(progress: 2, inflightSince: nil, contact: nil, operations: log))
        #expect(try await store.attempts(eventID: batch[1].eventID).last?.operations == log)

        let first = try await store.prune(
            doneBefore: t.addingTimeInterval(1), deadBefore: t.addingTimeInterval(-1), after: 0, limit: 10)
        #expect(first.found == 2 && first.removed == 2 && first.through == batch[0].eventID, "\(first)")
        #expect(try await store.event(one[0].eventID) == nil)
        #expect(try await store.attempts(eventID: one[0].eventID).isEmpty)
        #expect(try await store.request(try #require(one[0].requestID)) == nil, "its request went with it")
        #expect(try await store.request(try #require(batch[0].requestID)) != nil, "a pending event still refers to it")
        #expect(try await store.event(batch[1].eventID)?.status == .pending)
        #expect(try await store.event(dead[0].eventID)?.status == .dead, "dead letters are kept longer")
        // A batch starts after the last one; an event replayed since it was found is not removed.
        let later = t.addingTimeInterval(1)
        #expect(
            try await store.prune(doneBefore: later, deadBefore: later, after: dead[0].eventID, limit: 1).found == 0)
        #expect(try await store.replay(ids: [dead[0].eventID], now: t) == 1)
        let replayed = try await store.prune(doneBefore: later, deadBefore: later, after: 0, limit: 1)
        #expect(replayed.found == 0, "pending again: not past retention")
        try await store.finish(eventID: dead[0].eventID, outcome: .dead(reason: "still invalid", status: 400), at: t)
        let last = try await store.prune(doneBefore: later, deadBefore: later, after: 0, limit: 1)
        #expect(last.removed == 1)
        stats = try await store.stats()
        #expect(stats.byStatus == [.pending: 1, .done: 0, .dead: 0] && (stats.bytes ?? 0) > 0, "\(stats)")
    }

    static func acceptStoresOnceAndDedupes(_ store: any BridgeStore) async throws {
        let first = try await store.accept(
            request(body: "[1,2]"), events: [.init(index: 0, dedupeID: "a"), .init(index: 1, dedupeID: "b")])
        #expect(first.map(\.duplicate) == [false, false])
        let again = try await store.accept(
            request(body: "[1,2]"), events: [.init(index: 0, dedupeID: "a"), .init(index: 1, dedupeID: "c")])
        #expect(again.map(\.duplicate) == [true, false])
        #expect(again[0].eventID == first[0].eventID)
        let otherPipeline = try await store.accept(request("q"), events: [.init(index: 0, dedupeID: "a")])
        #expect(otherPipeline[0].duplicate == false)
        #expect(try await store.events(dedupeID: "a").map(\.id) == [first[0].eventID, otherPipeline[0].eventID])
        #expect(try await store.events(dedupeID: "zz").isEmpty)
        let stored = try #require(try await store.event(first[1].eventID))
        #expect(stored.status == .pending)
        #expect(stored.index == 1)
        let body = try #require(try await store.request(stored.requestID))
        #expect(body.pipeline == "p")
        #expect(body.webhook.body == Data("[1,2]".utf8))
        #expect(body.webhook.headers == ["content-type": "application/json"])
        #expect(body.webhook.query == "a=1")
    }

    /// A request's events get ids in their order (the claim delivers a contact's events by id), with their
    /// order key and contact; an id repeated within the request is a duplicate naming the first; a request
    /// whose events are all duplicates stores nothing.
    static func aRequestsEventsAreStoredInOrderOnce(_ store: any BridgeStore) async throws {
        let events: [IncomingEvent] = (0..<6).map { i in
            .init(
                index: i, dedupeID: i == 4 ? "r1" : "r\(i)", orderKey: i == 2 ? nil : "k\(i % 2)",
                contact: i == 3 ? "c@example.com" : nil)
        }
        let accepted = try await store.accept(request(body: "[0,1,2,3,4,5]"), events: events)
        #expect(accepted.map(\.dedupeID) == ["r0", "r1", "r2", "r3", "r1", "r5"])
        #expect(accepted.map(\.duplicate) == [false, false, false, false, true, false])
        #expect(accepted[4].eventID == accepted[1].eventID)
        let fresh = accepted.filter { !$0.duplicate }
        #expect(fresh.map(\.eventID) == fresh.map(\.eventID).sorted() && Set(fresh.map(\.eventID)).count == 5)
        #expect(Set(fresh.compactMap(\.requestID)).count == 1)
        for (i, event) in zip([0, 1, 2, 3, 5], fresh) {
            let stored = try #require(try await store.event(event.eventID))
            #expect(stored.index == i && stored.dedupeID == "r\(i)" && stored.status == .pending)
            #expect(stored.orderKey == (i == 2 ? nil : "k\(i % 2)"))
            #expect(stored.contact == (i == 3 ? "c@example.com" : nil))
            #expect(stored.requestID == fresh[0].requestID)
        }
        let again = try await store.accept(request(body: "again"), events: [events[5], events[0]])
        #expect(again.map(\.duplicate) == [true, true])
        #expect(again.map(\.eventID) == [accepted[5].eventID, accepted[0].eventID])
        #expect(try await store.recentRequests(pipeline: "p", limit: 10).count == 1, "no request stored for repeats")
    }

    static func concurrentAcceptsOfOneDedupeIdStoreOneEvent(_ store: any BridgeStore) async throws {
        let results = try await withThrowingTaskGroup(of: AcceptedEvent.self) { group in
            for _ in 0..<50 {
                group.addTask { try await store.accept(request(), events: [.init(index: 0, dedupeID: "same")])[0] }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { !$0.duplicate }.count == 1)
        #expect(Set(results.map(\.eventID)).count == 1)
        #expect(try await store.counts(now: Date()).byStatus[.pending] == 1)
    }

    static func claimsLeaseDueEventsOnce(_ store: any BridgeStore) async throws {
        let now = Date()
        for i in 0..<5 { _ = try await store.accept(request(at: now), events: [.init(index: 0, dedupeID: "e\(i)")]) }
        let claimed = try await store.claimDue(now: now, limit: 3, lease: 60)
        #expect(claimed.count == 3)
        let rest = try await store.claimDue(now: now, limit: 10, lease: 60)
        #expect(rest.count == 2)
        #expect(Set(claimed.map(\.id)).isDisjoint(with: rest.map(\.id)))
        #expect(try await store.claimDue(now: now, limit: 10, lease: 60).isEmpty)
        // A crashed worker's lease runs out and the events come back.
        let again = try await store.claimDue(now: now.addingTimeInterval(61), limit: 10, lease: 60)
        #expect(again.count == 5)
        // Only the worker holding the lease can renew it.
        let first = try #require(claimed.first.flatMap { e in again.first { $0.id == e.id } })
        let stale = try #require(claimed.first?.leaseUntil)
        #expect(try await store.renewLease(eventID: first.id, held: stale, until: now.addingTimeInterval(500)) == nil)
        let held = try #require(first.leaseUntil)
        let renewed = try await store.renewLease(eventID: first.id, held: held, until: now.addingTimeInterval(500))
        #expect(renewed != nil)
        // The lease as stored is what the next renewal names.
        #expect(try await store.event(first.id)?.leaseUntil?.timeIntervalSince1970 == renewed?.timeIntervalSince1970)
        #expect(try await store.event(first.id)?.leaseUntil.map { abs($0.timeIntervalSince(now) - 500) < 0.01 } == true)
        let twice = try await store.renewLease(
            eventID: first.id, held: try #require(renewed), until: now.addingTimeInterval(600))
        #expect(twice != nil, "a second renewal with what the first returned")
    }

    static func finishRetryDeadAndReplay(_ store: any BridgeStore) async throws {
        let now = Date()
        let id = try await store.accept(request(at: now), events: [.init(index: 0, dedupeID: "x")])[0].eventID
        _ = try await store.claimDue(now: now, limit: 1, lease: 60)
        try await store.saveProgress(
            eventID: id, progress: 2, contact: "ada@example.com", inflightSince: now, written: nil,
            plannedBy: "feedfeedfeed")
        #expect(try await store.event(id)?.plannedBy == "feedfeedfeed", "progress says which plan it counts in")
        try await store.finish(
            eventID: id, outcome: .retry(at: now.addingTimeInterval(30), reason: "Crisp 503 unavailable", status: 503),
            at: now)
        var event = try #require(try await store.event(id))
        #expect(event.status == .pending)
        #expect(event.attempts == 1)
        #expect(event.progress == 2)
        #expect(event.contact == "ada@example.com")
        #expect(event.inflightSince.map { abs($0.timeIntervalSince(now)) < 0.001 } == true)
        #expect(event.lastError == "Crisp 503 unavailable")
        #expect(try await store.claimDue(now: now.addingTimeInterval(10), limit: 1, lease: 60).isEmpty)
        #expect(try await store.claimDue(now: now.addingTimeInterval(31), limit: 1, lease: 60).count == 1)
        try await store.finish(
            eventID: id, outcome: .dead(reason: "invalid_data", status: 400), at: now,
            startedAt: now.addingTimeInterval(-0.25), plannedBy: "0123456789ab")
        #expect(try await store.events(status: .dead, since: nil, limit: 10).map(\.id) == [id])
        #expect(try await store.event(id)?.plannedBy == "0123456789ab", "the version that planned it is kept")
        #expect(try await store.attempts(eventID: id).map(\.outcome) == ["retry", "dead"])
        #expect(try await store.attempts(eventID: id).map(\.httpStatus) == [503, 400])
        #expect(try await store.attempts(eventID: id).last?.duration.map { abs($0 - 0.25) < 0.001 } == true)
        let replayedAt = now.addingTimeInterval(3600)
        #expect(try await store.replay(ids: [id, 999_999], now: replayedAt) == 1)
        event = try #require(try await store.event(id))
        #expect(event.status == .pending)
        #expect(event.progress == 2, "a dead event resumes after what it did")
        #expect(event.inflightSince != nil, "an operation left in flight is looked for first")
        #expect(abs(event.ageFrom.timeIntervalSince(replayedAt)) < 0.001, "a replay gets a fresh age limit")
        #expect(try await store.attempts(eventID: id).map(\.outcome) == ["retry", "dead", "replayed"])
        #expect(try await store.claimDue(now: replayedAt, limit: 1, lease: 60).map(\.id) == [id])
        try await store.finish(eventID: id, outcome: .delivered(operations: 3), at: replayedAt)
        #expect(try await store.event(id)?.status == .done)
        #expect(try await store.event(id)?.plannedBy == "0123456789ab", "an attempt without a version keeps the last")
        #expect(try await store.event(id)?.lastError == nil)
        #expect(try await store.attempts(eventID: id).last?.reason == "delivered 3 operations")
        #expect(try await store.replay(ids: [id], now: replayedAt) == 1, "a done event can be replayed too")
        event = try #require(try await store.event(id))
        #expect(event.progress == 0 && event.inflightSince == nil, "a done event runs its whole plan again")
        // From the start: a dead event's progress and mark are dropped.
        #expect(try await store.claimDue(now: replayedAt, limit: 1, lease: 60).map(\.id) == [id])
        try await store.saveProgress(eventID: id, progress: 1, contact: nil, inflightSince: replayedAt)
        try await store.finish(eventID: id, outcome: .dead(reason: "x", status: 400), at: replayedAt)
        #expect(try await store.replay(ids: [id], now: replayedAt, force: false, fromStart: true) == 1)
        event = try #require(try await store.event(id))
        #expect(event.progress == 0 && event.inflightSince == nil)
        #expect(try await store.attempts(eventID: id).last?.reason.contains("from the start of its plan") == true)
    }

    static func writtenFieldsCountsAndQuotaPauses(_ store: any BridgeStore) async throws {
        let now = Date()
        let id = try await store.accept(request(at: now), events: [.init(index: 0, dedupeID: "w")])[0].eventID
        _ = try await store.claimDue(now: now, limit: 1, lease: 60)
        #expect(try await store.writtenFields(contact: "ada@example.com").digests.isEmpty)
        try await store.saveProgress(
            eventID: id, progress: 1, contact: "ada@example.com", inflightSince: nil,
            written: ContactWrites(
                contact: "Ada@Example.com", digests: ["profile": "1", "data.plan": "\"pro\"", "segment.vip": "1"]))
        try await store.saveProgress(
            eventID: id, progress: 2, contact: "ada@example.com", inflightSince: nil,
            written: ContactWrites(contact: "ada@example.com", digests: ["data.plan": "\"team\"", "segment.vip": nil]))
        let written = try await store.writtenFields(contact: "ada@example.com")
        #expect(written.digests == ["profile": "1", "data.plan": "\"team\""])
        #expect(written.profileExists)
        #expect(try await store.writtenFields(contact: "ADA@example.com") == written, "emails compare lower-cased")
        #expect(try await store.writtenFields(contact: "bob@example.com").digests.isEmpty)
        #expect(try await store.event(id)?.progress == 2)

        // A quota pause: no attempt, not dead, due again at its time, with its reason.
        try await store.finish(
            eventID: id, outcome: .paused(until: now.addingTimeInterval(300), reason: "quota used up"), at: now)
        let paused = try #require(try await store.event(id))
        #expect(paused.status == .pending && paused.attempts == 0 && paused.lastError == "quota used up")
        #expect(try await store.attempts(eventID: id).isEmpty)
        #expect(try await store.claimDue(now: now.addingTimeInterval(10), limit: 1, lease: 60).isEmpty)
        #expect(try await store.claimDue(now: now.addingTimeInterval(301), limit: 1, lease: 60).map(\.id) == [id])
        try await store.finish(eventID: id, outcome: .delivered(operations: 3, unchanged: 2), at: now)
        #expect(try await store.attempts(eventID: id).last?.reason == "delivered 3 operations, 2 unchanged")
        #expect(try await store.replay(ids: [id], now: now, force: true) == 1)
        #expect(try await store.event(id)?.forceWrite == true)

        let day = CrispRequestCount.day(of: now)
        try await store.addCrispRequests([
            .init(day: day, route: "POST people/profile", outcome: "ok", count: 3),
            .init(day: day, route: "PATCH people/data", outcome: "ok", count: 1),
        ])
        try await store.addCrispRequests([.init(day: day, route: "POST people/profile", outcome: "ok", count: 2)])
        #expect(
            try await store.crispRequests(day: day).map { "\($0.route) \($0.outcome) \($0.count)" } == [
                "PATCH people/data ok 1", "POST people/profile ok 5",
            ])
        #expect(try await store.crispRequests(day: "1999-01-01").isEmpty)
        #expect(try await store.crispQuotaExhaustedSince() == nil)
        let since = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 3600).rounded())
        try await store.setCrispQuotaExhausted(since: since)
        try await store.setCrispQuotaExhausted(since: since.addingTimeInterval(60))  // still the first time
        #expect(try await store.crispQuotaExhaustedSince() == since)
        // Clearing the pause moves pending events' age forward by the pause: time paused does not age them.
        let ageBefore = try #require(try await store.event(id)?.ageFrom)
        try await store.setCrispQuotaExhausted(since: nil)
        #expect(try await store.crispQuotaExhaustedSince() == nil)
        let moved = try #require(try await store.event(id)?.ageFrom).timeIntervalSince(ageBefore)
        let pauseLength = Date().timeIntervalSince(since)
        #expect(abs(moved - pauseLength) < 5, "the age moved by \(moved) s, the pause lasted \(pauseLength) s")
        try await store.setCrispQuotaExhausted(since: nil)  // a second clearing (another instance) moves nothing
        #expect(abs(try #require(try await store.event(id)?.ageFrom).timeIntervalSince(ageBefore) - moved) < 0.001)
    }

    static func followersAreTheUnbrokenRunBehindALeader(_ store: any BridgeStore) async throws {
        let now = Date()
        let ids = try await store.accept(
            request(at: now),
            events: (0..<6).map { .init(index: $0, dedupeID: "f\($0)", orderKey: $0 == 4 ? "b@x.io" : "a@x.io") }
        ).map(\.eventID)
        let leader = try #require(try await store.claimDue(now: now, limit: 1, lease: 60).first)
        #expect(leader.id == ids[0])
        // ids[3] was started before (progress 1): the run stops right before it.
        try await store.saveProgress(eventID: ids[3], progress: 1, contact: "a@x.io", inflightSince: nil)
        let followers = try await store.claimFollowers(of: leader, limit: 10, lease: 60, now: now)
        #expect(followers.map(\.id) == [ids[1], ids[2]])
        #expect(followers.allSatisfy { $0.leaseUntil != nil })
        #expect(
            try await store.claimFollowers(of: leader, limit: 10, lease: 60, now: now).isEmpty,
            "claimed followers are not handed out twice")
        try await store.release(eventIDs: [ids[2]])
        #expect(try await store.event(ids[2])?.leaseUntil == nil)
        try await store.finish(eventID: ids[1], outcome: .carried(by: leader.id, operations: 2), at: now)
        #expect(try await store.event(ids[1])?.status == .done)
        #expect(try await store.attempts(eventID: ids[1]).last?.reason.contains("with event \(leader.id)") == true)
        #expect(try await store.claimFollowers(of: leader, limit: 1, lease: 60, now: now).map(\.id) == [ids[2]])
        var unkeyed = leader
        unkeyed.orderKey = nil
        #expect(try await store.claimFollowers(of: unkeyed, limit: 10, lease: 60, now: now).isEmpty)
    }

    static func anImportsRowsAreCountedByTheirDedupePrefix(_ store: any BridgeStore) async throws {
        let now = Date()
        let ids = try await store.accept(
            request(at: now),
            events: ["csv:aaa:2", "csv:aaa:3", "csv:aaa:5", "csv:aab:2", "other"].enumerated().map {
                .init(index: $0.offset, dedupeID: $0.element)
            }
        ).map(\.eventID)
        try await store.finish(eventID: ids[1], outcome: .dead(reason: "no email", status: nil), at: now)
        try await store.finish(eventID: ids[2], outcome: .skipped(reason: nil), at: now)
        let range = ids.min()!...ids.max()!
        let counts = try await store.counts(ids: range, dedupePrefix: "csv:aaa:")
        #expect(counts == [.pending: 1, .dead: 1, .done: 1])
        #expect(try await store.counts(ids: ids[0]...ids[0], dedupePrefix: "csv:aaa:") == [.pending: 1])
        let dead = try await store.events(ids: range, dedupePrefix: "csv:aaa:", status: .dead)
        #expect(dead.map(\.id) == [ids[1]] && dead.first?.lastError?.contains("no email") == true)
        #expect(try await store.events(ids: range, dedupePrefix: "csv:aab:", status: .dead).isEmpty)
    }

    static func replayDeadSinceATime(_ store: any BridgeStore) async throws {
        let old = Date().addingTimeInterval(-3600)
        let recent = Date()
        let a = try await store.accept(request(at: old), events: [.init(index: 0, dedupeID: "old")])[0].eventID
        let b = try await store.accept(request(at: recent), events: [.init(index: 0, dedupeID: "new")])[0].eventID
        for id in [a, b] { try await store.finish(eventID: id, outcome: .dead(reason: "x", status: nil), at: recent) }
        #expect(try await store.replayDead(since: recent.addingTimeInterval(-60), now: recent) == 1)
        #expect(try await store.event(b)?.status == .pending)
        #expect(try await store.event(a)?.status == .dead)
    }

    static func earlierPendingEventsOfAContactAreSeen(_ store: any BridgeStore) async throws {
        let ids = try await store.accept(request(), events: (0..<3).map { .init(index: $0, dedupeID: "o\($0)") }).map(
            \.eventID)
        try await store.saveProgress(eventID: ids[0], progress: 0, contact: "a@x.io", inflightSince: nil)
        try await store.saveProgress(eventID: ids[2], progress: 0, contact: "a@x.io", inflightSince: nil)
        #expect(try await store.earlierPendingEvent(contact: "a@x.io", before: ids[2]) == ids[0])
        try await store.saveProgress(eventID: ids[1], progress: 0, contact: "a@x.io", inflightSince: nil)
        #expect(try await store.earlierPendingEvent(contact: "a@x.io", before: ids[2]) == ids[1], "the nearest one")
        try await store.saveProgress(eventID: ids[1], progress: 0, contact: "c@x.io", inflightSince: nil)
        #expect(try await store.earlierPendingEvent(contact: "a@x.io", before: ids[0]) == nil)
        #expect(try await store.earlierPendingEvent(contact: "b@x.io", before: ids[2]) == nil)

        // Waiting is a state, not an attempt: no attempt record, not claimable while the earlier one is pending.
        let now = Date()
        _ = try await store.claimDue(now: now, limit: 3, lease: 60)
        try await store.finish(
            eventID: ids[2], outcome: .waiting(for: ids[0], until: now.addingTimeInterval(1)), at: now)
        var waiting = try #require(try await store.event(ids[2]))
        #expect(waiting.status == .pending)
        #expect(waiting.waitingFor == ids[0])
        #expect(waiting.attempts == 0)
        #expect(try await store.attempts(eventID: ids[2]).isEmpty)
        try await store.finish(
            eventID: ids[0], outcome: .retry(at: now.addingTimeInterval(30), reason: "503", status: 503), at: now)
        try await store.finish(eventID: ids[1], outcome: .skipped(reason: nil), at: now)
        #expect(try await store.claimDue(now: now.addingTimeInterval(5), limit: 3, lease: 60).isEmpty)
        #expect(try await store.claimDue(now: now.addingTimeInterval(31), limit: 3, lease: 60).map(\.id) == [ids[0]])
        try await store.finish(eventID: ids[0], outcome: .delivered(operations: 1), at: now)
        #expect(try await store.earlierPendingEvent(contact: "a@x.io", before: ids[2]) == nil)
        let claimed = try await store.claimDue(now: now.addingTimeInterval(32), limit: 3, lease: 60)
        #expect(claimed.map(\.id) == [ids[2]], "claimable once the earlier one is through")
        try await store.finish(eventID: ids[2], outcome: .delivered(operations: 1), at: now)
        waiting = try #require(try await store.event(ids[2]))
        #expect(waiting.waitingFor == nil)
    }

    static func eventsOfOneOrderKeyAreClaimedOneAtATimeInOrder(_ store: any BridgeStore) async throws {
        let now = Date()
        let keyed = try await store.accept(
            request(at: now),
            events: (0..<3).map { .init(index: $0, dedupeID: "k\($0)", orderKey: "ada@x.io", contact: "ada@x.io") }
        ).map(\.eventID)
        let other = try await store.accept(
            request(at: now), events: [.init(index: 0, dedupeID: "other", orderKey: "bob@x.io")])[0].eventID
        #expect(try await store.event(keyed[1])?.contact == "ada@x.io", "the contact is known from intake")
        // only the oldest of a key, and other keys, are claimed
        #expect(try await store.claimDue(now: now, limit: 10, lease: 60).map(\.id) == [keyed[0], other])
        try await store.finish(
            eventID: keyed[0], outcome: .retry(at: now.addingTimeInterval(5), reason: "503", status: 503), at: now)
        #expect(
            try await store.claimDue(now: now.addingTimeInterval(1), limit: 10, lease: 60).isEmpty,
            "a retrying one still holds the rest")
        #expect(try await store.claimDue(now: now.addingTimeInterval(6), limit: 10, lease: 60).map(\.id) == [keyed[0]])
        try await store.finish(eventID: keyed[0], outcome: .dead(reason: "x", status: nil), at: now)
        #expect(try await store.claimDue(now: now.addingTimeInterval(7), limit: 10, lease: 60).map(\.id) == [keyed[1]])
        try await store.finish(eventID: keyed[1], outcome: .delivered(operations: 1), at: now)
        #expect(try await store.claimDue(now: now.addingTimeInterval(8), limit: 10, lease: 60).map(\.id) == [keyed[2]])
    }

    /// A claim says what it saw around each event it took (`ClaimView`), so the worker asks none of it again:
    /// whether events of its order key wait behind it, the nearest earlier pending event of its contact, and what
    /// was last written to that contact.
    static func aClaimSaysWhatItSawAroundEachEvent(_ store: any BridgeStore) async throws {
        let now = Date()
        // An event of ada planned by another pipeline (its contact known, another order key) is still pending.
        let earlier = try await store.accept(
            request(at: now), events: [.init(index: 0, dedupeID: "e", orderKey: "deal-1")])[0].eventID
        try await store.saveProgress(eventID: earlier, progress: 0, contact: "ada@x.io", inflightSince: nil)
        try await store.saveProgress(
            eventID: earlier, progress: 1, contact: "ada@x.io", inflightSince: nil,
            written: ContactWrites(contact: "ada@x.io", digests: ["profile": "1", "data.plan": "d1"]))
        let keyed = try await store.accept(
            request(at: now),
            events: (0..<2).map { .init(index: $0, dedupeID: "k\($0)", orderKey: "ada@x.io", contact: "ada@x.io") }
        ).map(\.eventID)
        let lone = try await store.accept(request(at: now), events: [.init(index: 0, dedupeID: "lone")])[0].eventID
        let claimed = Dictionary(
            uniqueKeysWithValues: try await store.claimDue(now: now, limit: 10, lease: 60).map { ($0.id, $0) })
        #expect(Set(claimed.keys) == [earlier, keyed[0], lone])
        let first = try #require(claimed[keyed[0]]?.claimed)
        #expect(first.followersWaiting, "the second event of ada waits behind it")
        #expect(first.earlierOfContact == earlier, "ada's event of the other pipeline is pending before it")
        #expect(first.writtenFields == ["profile": "1", "data.plan": "d1"])
        let other = try #require(claimed[earlier]?.claimed)
        #expect(!other.followersWaiting)
        #expect(other.earlierOfContact == nil)
        let unknown = try #require(claimed[lone]?.claimed)
        #expect(unknown.writtenFields == nil, "no contact known at the claim: nothing read for it")
        #expect(unknown.earlierOfContact == nil)
        #expect(try await store.event(keyed[0])?.claimed == nil, "only a claim says what it saw")
    }

    static func dedupeIdsExpireAfterTheRetentionWindow(_ store: any BridgeStore) async throws {
        let old = Date().addingTimeInterval(-8 * 86_400)
        _ = try await store.accept(request(at: old), events: [.init(index: 0, dedupeID: "k")])
        #expect(try await store.purgeDedupe(before: Date().addingTimeInterval(-7 * 86_400)) == 1)
        #expect(try await store.accept(request(), events: [.init(index: 0, dedupeID: "k")])[0].duplicate == false)
    }

    static func pollsKeepItemsAndCursorTogetherUnderOneLease(_ store: any BridgeStore) async throws {
        let now = Date()
        let item = { (id: String) in
            PolledItem(
                request: request("poller", body: #"{"id":"\#(id)"}"#, at: now), event: .init(index: 0, dedupeID: id))
        }
        // One owner at a time; the lease runs out.
        let first = try #require(
            try await store.claimPoll(
                pipeline: "poller", owner: "a", now: now, until: now.addingTimeInterval(60), onlyIfDue: false))
        #expect(first.cursor == nil)
        #expect(
            try await store.claimPoll(
                pipeline: "poller", owner: "b", now: now, until: now.addingTimeInterval(60), onlyIfDue: false)
                == nil)
        #expect(
            try await store.claimPoll(
                pipeline: "poller", owner: "a", now: now, until: now.addingTimeInterval(60), onlyIfDue: false)
                != nil)
        // A success stores the items and the cursor in one go, and gives the lease back.
        let stored = try await store.finishPoll(
            pipeline: "poller", owner: "a",
            completion: .succeeded(items: [item("1"), item("2")], seen: ["0"], cursor: 2, resume: nil),
            at: now, next: now.addingTimeInterval(30))
        #expect(stored.map(\.duplicate) == [false, false])
        var state = try #require(try await store.pollStates().first { $0.pipeline == "poller" })
        #expect(state.cursor == 2)
        #expect(state.itemsStored == 2)
        #expect(state.leaseOwner == nil)
        #expect(abs((state.nextPollAt ?? .distantPast).timeIntervalSince(now.addingTimeInterval(30))) < 0.01)
        // An item seen again is a duplicate; the cursor moves on.
        _ = try #require(
            try await store.claimPoll(
                pipeline: "poller", owner: "b", now: now, until: now.addingTimeInterval(60), onlyIfDue: false))
        let again = try await store.finishPoll(
            pipeline: "poller", owner: "b",
            completion: .succeeded(
                items: [item("0"), item("2"), item("3")], seen: [], cursor: 3, resume: ["next": ["page": 4]]),
            at: now, next: now)
        #expect(again.map(\.duplicate) == [true, true, false])
        #expect(try await store.pollStates().first?.resume == ["next": ["page": 4]])
        // Not due yet: only a forced claim takes it.
        #expect(
            try await store.claimPoll(
                pipeline: "poller", owner: "b", now: now.addingTimeInterval(-1), until: now.addingTimeInterval(60),
                onlyIfDue: true) == nil)
        // A failure keeps the cursor and counts.
        _ = try #require(
            try await store.claimPoll(
                pipeline: "poller", owner: "b", now: now, until: now.addingTimeInterval(60), onlyIfDue: false))
        _ = try await store.finishPoll(
            pipeline: "poller", owner: "b", completion: .failed(reason: "answered 503"), at: now, next: now)
        state = try #require(try await store.pollStates().first { $0.pipeline == "poller" })
        #expect(state.cursor == 3)
        #expect(state.failures == 1)
        #expect(state.lastError == "answered 503")
        #expect(state.itemsStored == 3)
        // A poll whose lease was taken over stores nothing.
        _ = try #require(
            try await store.claimPoll(
                pipeline: "poller", owner: "a", now: now, until: now.addingTimeInterval(1), onlyIfDue: false))
        let later = now.addingTimeInterval(2)
        _ = try #require(
            try await store.claimPoll(
                pipeline: "poller", owner: "b", now: later, until: later.addingTimeInterval(60), onlyIfDue: false))
        await #expect(throws: BridgeStoreError.self) {
            try await store.finishPoll(
                pipeline: "poller", owner: "a",
                completion: .succeeded(items: [item("4")], seen: [], cursor: 4, resume: nil), at: later,
                next: later)
        }
        state = try #require(try await store.pollStates().first { $0.pipeline == "poller" })
        #expect(state.cursor == 3)
        #expect(try await store.events(dedupeID: "4").isEmpty)
        // Set by hand: the cursor, no failures, due at once.
        try await store.setPollCursor(pipeline: "poller", cursor: "2025-06-12T09:00:00Z")
        state = try #require(try await store.pollStates().first { $0.pipeline == "poller" })
        #expect(state.cursor == "2025-06-12T09:00:00Z")
        #expect(state.failures == 0 && state.nextPollAt == nil && state.resume == nil)
        try await store.setPollCursor(pipeline: "poller", cursor: nil)
        #expect(try await store.pollStates().first { $0.pipeline == "poller" }?.cursor == nil)
        #expect(try await store.counts(now: later).byStatus[.pending] == 3)
    }

    static func handshakeSecretsAreKeptPerPipelineNewestFirst(_ store: any BridgeStore) async throws {
        #expect(try await store.handshakeSecrets(pipeline: "notion").isEmpty)
        try await store.saveHandshakeSecret(
            pipeline: "notion", secret: "secret_old", source: "192.0.2.1", at: Date(timeIntervalSince1970: 1))
        try await store.saveHandshakeSecret(
            pipeline: "notion", secret: "secret_new", source: nil, at: Date(timeIntervalSince1970: 2))
        try await store.saveHandshakeSecret(
            pipeline: "other", secret: "secret_x", source: nil, at: Date(timeIntervalSince1970: 3))
        var kept = try await store.handshakeSecrets(pipeline: "notion")
        #expect(kept.map(\.secret) == ["secret_new", "secret_old"])
        #expect(kept.map(\.source) == [nil, "192.0.2.1"], "where each came from is kept")
        #expect(kept.allSatisfy { !$0.trusted }, "a handshake alone proves nothing")
        // the same token again (Notion's "resend") moves it to the front, once
        try await store.saveHandshakeSecret(
            pipeline: "notion", secret: "secret_old", source: "192.0.2.2", at: Date(timeIntervalSince1970: 4))
        kept = try await store.handshakeSecrets(pipeline: "notion")
        #expect(kept.map(\.secret) == ["secret_old", "secret_new"])
        #expect(kept.first?.source == "192.0.2.2", "the newest handshake's address")
        // the operator trusts one; trusting another moves the trust
        #expect(try await store.trustHandshakeSecret(pipeline: "notion", secret: "secret_new"))
        #expect(try await !store.trustHandshakeSecret(pipeline: "notion", secret: "secret_unknown"))
        kept = try await store.handshakeSecrets(pipeline: "notion")
        #expect(kept.filter(\.trusted).map(\.secret) == ["secret_new"])
        // a flood of handshakes keeps only the newest ten untrusted ones, and never drops the trusted one
        for i in 0..<50 {
            try await store.saveHandshakeSecret(
                pipeline: "notion", secret: "flood-\(i)", source: "198.51.100.7",
                at: Date(timeIntervalSince1970: Double(10 + i)))
        }
        kept = try await store.handshakeSecrets(pipeline: "notion")
        #expect(kept.map(\.secret) == (40..<50).reversed().map { "flood-\($0)" } + ["secret_new"])
        #expect(kept.filter(\.trusted).map(\.secret) == ["secret_new"])
        #expect(try await store.handshakeSecrets(pipeline: "other").map(\.secret) == ["secret_x"])
    }

    static func recentRequestsAreAPipelinesNewestOldestFirst(_ store: any BridgeStore) async throws {
        #expect(try await store.recentRequests(pipeline: "p", limit: 10).isEmpty)
        let start = Date(timeIntervalSince1970: 1_750_000_000)
        for i in 0..<5 {
            _ = try await store.accept(
                request("p", body: "{\"n\":\(i)}", at: start.addingTimeInterval(Double(i))),
                events: [.init(index: 0, dedupeID: "p\(i)")])
            _ = try await store.accept(
                request("q", body: "{\"q\":\(i)}"), events: [.init(index: 0, dedupeID: "q\(i)")])
        }
        // A sender's retry stores no request (its event is a duplicate).
        _ = try await store.accept(request("p", body: "{\"n\":4}"), events: [.init(index: 0, dedupeID: "p4")])
        let last = try await store.recentRequests(pipeline: "p", limit: 3)
        #expect(
            last.map { String(decoding: $0.webhook.body, as: UTF8.self) } == [#"{"n":2}"#, #"{"n":3}"#, #"{"n":4}"#])
        #expect(last.allSatisfy { $0.pipeline == "p" })
        #expect(last.map(\.id) == last.map(\.id).sorted())
        #expect(last.last?.webhook.receivedAt == start.addingTimeInterval(4))
        #expect(last.last?.webhook.headers == ["content-type": "application/json"])
        #expect(last.last?.webhook.query == "a=1")
        #expect(try await store.recentRequests(pipeline: "p", limit: 100).count == 5)
        #expect(try await store.recentRequests(pipeline: "none", limit: 100).isEmpty)
    }
}

/// The conformance suite on every backend: SQLite, and PostgreSQL (a fresh database per test, on the server
/// `BRIDGE_TEST_POSTGRES_URL` names, else a throwaway one the tests start).
@Suite struct StoreBackendTests {
    enum Backend: String, CaseIterable, Sendable { case sqlite, postgres }

    func withStore(_ backend: Backend, _ body: (any BridgeStore) async throws -> Void) async throws {
        switch backend {
        case .sqlite:
            let folder = NSTemporaryDirectory() + "bridge-store-" + UUID().uuidString
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try await body(try SQLiteBridgeStore(path: folder + "/bridge.sqlite"))
        case .postgres:
            let store = try await PostgresBridgeStore(
                url: try await TestPostgres.freshDatabase(), poolSize: 8, logger: TestPostgres.logger)
            defer { store.shutdown() }
            try await body(store)
        }
    }

    @Test(arguments: Backend.allCases) func acceptStoresOnceAndDedupes(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.acceptStoresOnceAndDedupes)
    }
    @Test(arguments: Backend.allCases) func aRequestsEvents(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.aRequestsEventsAreStoredInOrderOnce)
    }
    @Test(arguments: Backend.allCases) func concurrentAccepts(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.concurrentAcceptsOfOneDedupeIdStoreOneEvent)
    }
    @Test(arguments: Backend.allCases) func claims(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.claimsLeaseDueEventsOnce)
    }
    @Test(arguments: Backend.allCases) func prune(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.pruneRemovesWhatRetentionEndsOnly)
    }
    @Test(arguments: Backend.allCases) func eventFilters(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.eventsAreFilteredAndPaged)
    }
    @Test(arguments: Backend.allCases) func claimsByPipeline(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.claimsOnlyTheLoadedPipelines)
    }
    @Test(arguments: Backend.allCases) func finishRetryDeadReplay(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.finishRetryDeadAndReplay)
    }
    @Test(arguments: Backend.allCases) func writtenFieldsCountsAndQuota(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.writtenFieldsCountsAndQuotaPauses)
    }
    @Test(arguments: Backend.allCases) func followers(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.followersAreTheUnbrokenRunBehindALeader)
    }
    @Test(arguments: Backend.allCases) func importCounts(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.anImportsRowsAreCountedByTheirDedupePrefix)
    }
    @Test(arguments: Backend.allCases) func replayDeadSince(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.replayDeadSinceATime)
    }
    @Test(arguments: Backend.allCases) func contactOrder(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.earlierPendingEventsOfAContactAreSeen)
    }
    @Test(arguments: Backend.allCases) func orderKeys(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.eventsOfOneOrderKeyAreClaimedOneAtATimeInOrder)
    }
    @Test(arguments: Backend.allCases) func claimView(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.aClaimSaysWhatItSawAroundEachEvent)
    }
    @Test(arguments: Backend.allCases) func dedupeRetention(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.dedupeIdsExpireAfterTheRetentionWindow)
    }
    @Test(arguments: Backend.allCases) func polls(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.pollsKeepItemsAndCursorTogetherUnderOneLease)
    }
    @Test(arguments: Backend.allCases) func handshakeSecrets(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.handshakeSecretsAreKeptPerPipelineNewestFirst)
    }
    @Test(arguments: Backend.allCases) func recentRequests(_ backend: Backend) async throws {
        try await withStore(backend, StoreConformance.recentRequestsAreAPipelinesNewestOldestFirst)
    }
}

@Suite struct SQLiteStoreTests {
    @Test func dataSurvivesReopening() async throws {
        let folder = NSTemporaryDirectory() + "bridge-store-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/bridge.sqlite"
        let id = try await SQLiteBridgeStore(path: path).accept(
            StoreConformance.request(), events: [.init(index: 0, dedupeID: "z")])[0].eventID
        let reopened = try SQLiteBridgeStore(path: path)
        #expect(try await reopened.event(id)?.dedupeID == "z")
    }
}
