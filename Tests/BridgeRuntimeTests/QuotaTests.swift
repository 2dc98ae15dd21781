import AsyncHTTPClient
import BridgeCore
import Foundation
import Testing

/// Crisp's daily request quota, spent wisely (in-process, counted by the sandbox's request log): one request per
/// operation for a new contact, nothing for values already written, one probe at a time while the quota is used
/// up, and everything delivered in order once it is back.
extension ProcessTests {
    @Suite struct QuotaTests {
        /// A profile and custom data, and with `event` a Crisp event too.
        static func pipeline(event: Bool) -> String {
            """
            name: contacts
            trigger:
              webhook: { path: /hooks/contacts, verify: none }
              id: body.id
            actions:
              - crisp.profile:
                  email: ${{ email(body.email) }}
                  person: { nickname: "${{ body.name }}" }
              - crisp.data:
                  email: ${{ email(body.email) }}
                  merge: { plan: "${{ body.plan }}", n: "${{ body.n }}" }
            """ + (event ? "\n  - crisp.event: { email: \"${{ email(body.email) }}\", text: Signed up }" : "")
        }

        static func body(_ id: String, _ email: String, plan: String = "free", n: Int = 1) -> Data {
            Data(#"{"id": "\#(id)", "email": "\#(email)", "name": "Ada", "plan": "\#(plan)", "n": \#(n)}"#.utf8)
        }

        static let json = ["Content-Type": "application/json"]

        /// The requests the sandbox received, as `METHOD route-part email-or-id status`.
        static func requests(_ h: InProcessBridge) async throws -> [(method: String, path: String, status: Int)] {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: h.sandboxURL.replacingOccurrences(of: "/v1/", with: "") + "/_sandbox/requests"),
                timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 64 << 20)
            let list = try JSONValue.parse(Data(bytes.readableBytesView))["requests"].arrayValue ?? []
            return list.map {
                (
                    $0["method"].stringValue ?? "", $0["path"].stringValue ?? "",
                    Int($0["status"].numberValue ?? 0)
                )
            }
        }

        static func done(_ h: InProcessBridge, _ count: Int) async throws -> Bool {
            let store = h.store
            return try await h.eventually { try await store.counts(now: Date()).byStatus[.done] == count }
        }

        @Test func aNewContactCostsOneRequestPerOperationAndNoLookUp() async throws {
            let h = try await InProcessBridge.start(pipelines: ["contacts": Self.pipeline(event: true)])
            for n in 0..<10 {
                let answer = try await h.send(
                    "/hooks/contacts", body: Self.body("new-\(n)", "new\(n)@quota.io"), headers: Self.json)
                #expect(answer.status == 202)
            }
            #expect(try await Self.done(h, 10))
            let requests = try await Self.requests(h)
            #expect(requests.count == 30, "profile + data + event for 10 new contacts: \(requests.count) requests")
            #expect(!requests.contains { $0.method == "GET" || $0.method == "HEAD" }, "a look-up before a write")
            await h.stop()
        }

        @Test func planSaysWhatTheEventsCostOfTheDailyQuota() async throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().path
            let plan = try ChildProcess(
                [
                    "plan", "pipelines/hubspot-contact-created.yaml", "--body",
                    "pipelines/recordings/hubspot/contact-creation.json", "--fetch",
                    "contact=pipelines/recordings/hubspot/contact-94528173401.json",
                ], environment: ["CRISP_TIER": "website"], workingDirectory: root)
            defer { plan.stop() }
            #expect(try await plan.waitForExit() == 0, "\(plan.output)")
            // Two events, each a profile, custom data and an event: 3 requests each for new contacts.
            #expect(
                plan.output.contains("these 2 event(s) cost 6 Crisp request(s) for new contacts, at most 10"),
                "\(plan.output)")
            #expect(plan.output.contains("of a day's quota of 10000 (website token)"))
        }

        @Test func unchangedValuesAreNotWrittenAgainAndOneChangedKeyCostsOneRequest() async throws {
            let h = try await InProcessBridge.start(pipelines: ["contacts": Self.pipeline(event: false)])
            #expect(
                try await h.send("/hooks/contacts", body: Self.body("a-1", "ada@quota.io"), headers: Self.json).status
                    == 202)
            #expect(try await Self.done(h, 1))
            #expect(try await Self.requests(h).count == 2, "a new contact with a profile and data: two requests")

            // The same content under a new sender id: nothing to write.
            #expect(
                try await h.send("/hooks/contacts", body: Self.body("a-2", "ada@quota.io"), headers: Self.json).status
                    == 202)
            #expect(try await Self.done(h, 2))
            #expect(try await Self.requests(h).count == 2, "an unchanged re-send made requests")
            let resent = try await h.store.find("a-2").first
            let record = try await h.store.attempts(eventID: resent?.id ?? 0).last
            #expect(record?.reason.contains("2 unchanged") == true, "\(String(describing: record))")

            // One custom-data key changed: one request, with that key only.
            #expect(
                try await h.send(
                    "/hooks/contacts", body: Self.body("a-3", "ada@quota.io", plan: "pro"), headers: Self.json
                ).status == 202)
            #expect(try await Self.done(h, 3))
            let requests = try await Self.requests(h)
            #expect(requests.count == 3, "one changed key: \(requests.suffix(2).map { "\($0.method) \($0.path)" })")
            #expect(requests.last?.method == "PATCH" && requests.last?.path.contains("/people/data/") == true)
            #expect(try await h.sandboxPeople()["ada@quota.io"]?.data["plan"] == "pro")
            await h.stop()
        }

        @Test func alwaysWriteSendsUnchangedValues() async throws {
            let text = Self.pipeline(event: false).replacingOccurrences(
                of: "name: contacts\n", with: "name: contacts\nalways_write: true\n")
            let h = try await InProcessBridge.start(pipelines: ["contacts": text])
            #expect(
                try await h.send("/hooks/contacts", body: Self.body("w-1", "ada@quota.io"), headers: Self.json).status
                    == 202)
            #expect(try await Self.done(h, 1))
            let first = try await Self.requests(h).count
            #expect(
                try await h.send("/hooks/contacts", body: Self.body("w-2", "ada@quota.io"), headers: Self.json).status
                    == 202)
            #expect(try await Self.done(h, 2))
            let second = try await Self.requests(h).dropFirst(first)
            #expect(
                second.contains { $0.method == "PATCH" && $0.path.contains("/people/data/") },
                "always_write: the unchanged data is written again: \(second.map { "\($0.method) \($0.path)" })")
            await h.stop()
        }

        /// How many requests the sandbox is answering now.
        static func inFlight(_ h: InProcessBridge) async throws -> Int {
            Int(try await RuntimeHarness.sandboxInspection("requests", at: h.sandboxURL)["in_flight"].numberValue ?? -1)
        }

        @Test func aUsedUpQuotaPausesEverythingButOneProbeAndNothingIsLostOrReordered() async throws {
            let probe = 2.0
            // The bridge's time is a manual clock: the pause's probes come when the test moves it, not by waiting.
            let clock = ManualClock(Date())
            let h = try await InProcessBridge.start(pipelines: ["contacts": Self.pipeline(event: false)]) {
                options, _ in
                options.clock = clock
                options.sandboxDailyQuota = 12
                options.crispQuotaProbe = probe
                options.concurrency = 4
                options.coalesce = 1  // one event per delivery, so the writes can be counted exactly
            }
            let contacts = 20
            let updates = 5
            for n in 1...updates {
                for c in 0..<contacts {
                    let answer = try await h.send(
                        "/hooks/contacts", body: Self.body("c\(c)-\(n)", "c\(c)@quota.io", n: n), headers: Self.json)
                    #expect(answer.status == 202)
                }
            }
            // The quota runs out after 12 requests; the bridge stays ready and says why delivery waits.
            let paused = try await h.eventually {
                let ready = try await RuntimeHarness.send(
                    port: h.port, "/readyz", body: Data(), headers: [:], method: .GET)
                return ready.status == 200 && ready.body.contains("quota")
            }
            #expect(paused, "/readyz does not say the quota is used up")
            #expect(try await h.eventually { try await Self.inFlight(h) == 0 }, "requests sent before the pause")
            // Four probe intervals, one at a time: each lets exactly one request through, and only once the clock
            // reaches it.
            let before = try await Self.requests(h).count
            for interval in 1...4 {
                clock.advance(by: probe)
                #expect(
                    try await h.eventually { try await Self.requests(h).count >= before + interval },
                    "no probe in interval \(interval)")
                #expect(try await h.eventually { try await Self.inFlight(h) == 0 })
            }
            let during = try await Self.requests(h).count - before
            #expect(during == 4, "\(during) requests in 4 probe intervals of pause (one probe each)")
            let dead = try await h.store.counts(now: Date()).byStatus[.dead] ?? 0
            #expect(dead == 0)

            // A new quota day: everything is delivered, each contact's updates in order.
            var reset = HTTPClientRequest(
                url: h.sandboxURL.replacingOccurrences(of: "/v1/", with: "") + "/_sandbox/quota/reset?limit=100000")
            reset.method = .POST
            _ = try await HTTPClient.shared.execute(reset, timeout: .seconds(10))
            clock.advance(by: probe)  // the next probe finds the quota back
            let store = h.store
            let drained = try await h.eventually(timeout: .seconds(30)) {
                try await store.counts(now: Date()).byStatus[.done] == contacts * updates
            }
            #expect(drained, "not every event was delivered after the quota came back")
            let people = try await h.sandboxPeople()
            #expect(people.count == contacts)
            let wrong = people.filter { $0.value.data["n"] != .number(Double(updates)) }
            #expect(wrong.isEmpty, "contacts whose last update is not the last value: \(wrong.keys.sorted().prefix(5))")
            // One event per delivery here: each update's data is written exactly once (a 423 did nothing).
            let dataWrites = try await Self.requests(h).filter { $0.method == "PATCH" && $0.status == 200 }
            #expect(dataWrites.count == contacts * updates, "no write repeated, none left out")
            await h.stop()
        }

        @Test func fiveQueuedUpdatesOfOneContactBecomeOneWritePerRouteAndEveryEventOnce() async throws {
            let h = try await InProcessBridge.start(pipelines: ["contacts": Self.pipeline(event: true)]) {
                options, _ in
                options.sandboxDailyQuota = 1
                options.crispQuotaProbe = 1
            }
            // Another contact uses up the quota: the updates below queue up behind the pause.
            #expect(
                try await h.send("/hooks/contacts", body: Self.body("w-1", "warm@quota.io"), headers: Self.json).status
                    == 202)
            let store = h.store
            #expect(try await h.eventually { try await store.crispQuotaExhaustedSince() != nil })
            for n in 1...5 {
                let answer = try await h.send(
                    "/hooks/contacts", body: Self.body("ada-\(n)", "ada@quota.io", plan: "p\(n)", n: n),
                    headers: Self.json)
                #expect(answer.status == 202)
            }
            let before = try await Self.requests(h).count
            var reset = HTTPClientRequest(
                url: h.sandboxURL.replacingOccurrences(of: "/v1/", with: "") + "/_sandbox/quota/reset?limit=1000")
            reset.method = .POST
            _ = try await HTTPClient.shared.execute(reset, timeout: .seconds(10))
            #expect(
                try await h.eventually(timeout: .seconds(30)) {
                    try await store.counts(now: Date()).byStatus[.done] == 6
                })
            let after = try await Self.requests(h).dropFirst(before).filter { (200..<300).contains($0.status) }
            let ada = after.filter { $0.path.contains("ada") }
            #expect(
                ada.filter { $0.path.contains("/people/data/") }.count == 1, "\(ada.map { "\($0.method) \($0.path)" })")
            #expect(ada.filter { $0.path.contains("/people/events/") }.count == 5, "each Crisp event once")
            // The warm contact's profile was created before the pause: ada's is the one profile created after it.
            #expect(after.filter { $0.method == "POST" && $0.path.hasSuffix("/people/profile") }.count == 1)
            let person = try #require(try await h.sandboxPeople()["ada@quota.io"])
            #expect(person.data["plan"] == "p5" && person.data["n"] == 5, "the last values: \(person.data)")
            let events = try await store.find("ada-1") + store.find("ada-5")
            let leader = try #require(events.first)
            let last = try #require(events.last)
            let reasons = try await store.attempts(eventID: last.id).map(\.reason)
            #expect(reasons.last?.contains("with event \(leader.id)") == true, "\(reasons)")
            await h.stop()
        }
    }
}
