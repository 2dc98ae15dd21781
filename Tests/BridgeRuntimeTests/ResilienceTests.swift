import BridgeCore
import BridgeStore
import Foundation
import Testing

/// Crashes, Crisp failing, Crisp away, Crisp rate-limiting: nothing answered 2xx is lost or done twice.
extension ProcessTests {
    @Suite struct ResilienceTests {
        /// Posts `count` signups with `concurrency` in flight; returns the ids answered 2xx.
        func postMany(_ h: RuntimeHarness, count: Int, concurrency: Int, prefix: String) async -> Set<Int> {
            await withTaskGroup(of: (Int, Bool).self) { group in
                var answered: Set<Int> = []
                var next = 0
                func add() {
                    let i = next
                    next += 1
                    group.addTask {
                        // Once serve is killed, the rest are not sent (a refused connection waits for its timeout).
                        guard h.serve?.process.isRunning == true else { return (i, false) }
                        let status = try? await h.post(
                            body: RuntimeHarness.signup("\(prefix)-\(i)", email: "\(prefix)\(i)@x.io", n: i))
                        return (i, (200..<300).contains(status?.status ?? 0))
                    }
                }
                for _ in 0..<min(concurrency, count) { add() }
                while let (i, ok) = await group.next() {
                    if ok { answered.insert(i) }
                    if next < count { add() }
                }
                return answered
            }
        }

        @Test func aKillDuringAStormLosesNothingAnsweredAndDuplicatesNothing() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox()
            // A long lease: the restarted serve must take the dead one's events back at once, not after it.
            try await h.startServe(["--lease", "120"])
            let store = try h.store()
            let killer = Task {
                // Kill -9 once a few hundred requests are stored, while requests and deliveries are in flight.
                let reached =
                    (try? await h.eventually(timeout: .seconds(60)) {
                        try await store.counts(now: Date()).byStatus.values.reduce(0, +) >= 400
                    }) ?? false
                h.serve?.signal(SIGKILL)
                return reached
            }
            let answered = await postMany(h, count: 2000, concurrency: 64, prefix: "crash")
            #expect(await killer.value, "the kill came before 400 requests were stored")
            // 400 were stored when the kill came; up to 64 of them may not have been answered yet
            #expect(answered.count >= 400 - 64, "answered \(answered.count) before the kill")
            #expect(answered.count < 2000, "the kill came after every request was answered")

            try await h.restartServe()
            let clock = ContinuousClock()
            let restarted = clock.now
            let settled = try await h.eventually(timeout: .seconds(180)) {
                try await store.counts(now: Date()).byStatus[.pending] == 0
            }
            #expect(settled)
            // The restart waited for the 120 s lease before; the promise is 10 s, the bound leaves room for a busy
            // machine.
            let drainTime = clock.now - restarted
            print("crash test: \(answered.count) answered before the kill, drained \(drainTime) after the restart")
            #expect(drainTime < .seconds(30), "drained \(drainTime) after the restart")
            #expect(h.serve?.output.contains("previous serve had claimed") == true, "the leases were not taken back")
            let people = try await h.sandboxPeople()
            let missing = answered.filter { people["crash\($0)@x.io"] == nil }
            #expect(missing.isEmpty, "answered but never reached Crisp: \(missing.sorted().prefix(10))")
            let doubled = people.filter { $0.value.events != 1 }
            #expect(doubled.isEmpty, "events posted other than once: \(doubled.keys.sorted().prefix(10))")
            for i in answered.prefix(50) { #expect(people["crash\(i)@x.io"]?.data == ["n": .number(Double(i))]) }
            #expect(try await store.counts(now: Date()).byStatus[.dead] == 0)
        }

        @Test func crispFailingHalfTheTimeStillGetsEveryEventOnce() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox(["--fail-rate", "0.5"])
            try await h.startServe()
            let answered = await postMany(h, count: 60, concurrency: 8, prefix: "flaky")
            #expect(answered.count == 60)
            let store = try h.store()
            #expect(
                try await h.eventually(timeout: .seconds(120)) {
                    try await store.counts(now: Date()).byStatus[.done] == 60
                }
            )
            let people = try await h.sandboxPeople()
            let counts = try await store.counts(now: Date()).byStatus
            #expect(people.count == 60, "\(counts), sandbox: \(h.sandbox?.output ?? "")")
            let notOnce = people.filter { $0.value.events != 1 }.mapValues(\.events)
            var stuck: [String] = []
            for event in try await store.events(status: .pending, since: nil, limit: 10) {
                let attempts = try await store.attempts(eventID: event.id).map { "\($0.outcome): \($0.reason)" }
                stuck.append("\(event.dedupeID) \(event): \(attempts)")
            }
            #expect(notOnce.isEmpty, "contacts without exactly one event: \(notOnce); pending: \(stuck)")
            // Every delivery is recorded as an attempt; the sandbox saw the injected failures.
            for event in try await store.events(status: .done, since: nil, limit: 100) {
                #expect(try await store.attempts(eventID: event.id).map(\.outcome).last == "done")
            }
        }

        @Test func writesWhoseAnswersAreLostAfterCrispStoredThemLeaveOneEventPerContact() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            // 30% of writes are stored by "Crisp" and then answered 500/503, as when an answer is lost
            try await h.startSandbox(["--fail-after-write-rate", "0.3"])
            try await h.startServe()
            let answered = await postMany(h, count: 500, concurrency: 16, prefix: "lost")
            #expect(answered.count == 500)
            let store = try h.store()
            let delivered = try await h.eventually(timeout: .seconds(300)) {
                try await store.counts(now: Date()).byStatus[.done] == 500
            }
            let counts = try await store.counts(now: Date()).byStatus
            #expect(delivered, "\(counts)")
            #expect(counts[.dead] == nil || counts[.dead] == 0, "\(counts)")
            let people = try await h.sandboxPeople()
            #expect(people.count == 500)
            let doubled = people.filter { $0.value.events != 1 }
            #expect(
                doubled.isEmpty,
                "events posted other than once: \(doubled.map { "\($0.key)=\($0.value.events)" }.prefix(10))")
            for i in 0..<20 { #expect(people["lost\(i)@x.io"]?.data == ["n": .number(Double(i))]) }
        }

        /// A 2xx whose body is not Crisp's JSON (a proxy's HTML page) after Crisp stored the write: in doubt, so the
        /// event is looked for before it is posted again, and the request counts as `invalid_response`, not `ok`.
        @Test func writesAnsweredWithAGarbledPageAreLookedForAndCountedAsInvalid() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox(["--garbled-answer-rate", "0.3"])
            try await h.startServe()
            let answered = await postMany(h, count: 100, concurrency: 8, prefix: "garbled")
            #expect(answered.count == 100)
            let store = try h.store()
            let delivered = try await h.eventually(timeout: .seconds(180)) {
                try await store.counts(now: Date()).byStatus[.done] == 100
            }
            let counts = try await store.counts(now: Date()).byStatus
            #expect(delivered, "\(counts)")
            let people = try await h.sandboxPeople()
            #expect(people.count == 100)
            let doubled = people.filter { $0.value.events != 1 }
            #expect(doubled.isEmpty, "events posted other than once: \(doubled.keys.sorted().prefix(10))")
            for i in 0..<20 { #expect(people["garbled\(i)@x.io"]?.data == ["n": .number(Double(i))]) }
            let metrics = try await h.text("/metrics")
            let invalid = metrics.split(separator: "\n").filter {
                $0.hasPrefix("crisp_bridge_crisp_requests_total") && $0.contains(#"outcome="invalid_response""#)
            }
            #expect(!invalid.isEmpty, "garbled answers are counted as invalid_response")
        }

        @Test func fiveUpdatesToOneContactWithAKillInTheMiddleEndWithTheLastValue() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox(["--latency", "150"])
            // The restart takes the events in flight back at once; one event per delivery, so the kill lands
            // between updates rather than after one merged write of all five.
            try await h.startServe(["--lease", "120", "--coalesce", "1"])
            for n in 1...5 {
                let body = RuntimeHarness.signup("update-\(n)", email: "grace@x.io", name: "Grace", n: n)
                #expect(try await h.post(body: body).status == 202)
            }
            let store = try h.store()
            // kill -9 once the first update is through, while the others are queued or in flight
            #expect(
                try await h.eventually(timeout: .seconds(20)) {
                    try await store.counts(now: Date()).byStatus[.done, default: 0] >= 1
                })
            h.serve?.signal(SIGKILL)
            _ = try await h.serve?.waitForExit()
            let doneAtKill = try await store.counts(now: Date()).byStatus[.done, default: 0]
            #expect((1..<5).contains(doneAtKill), "the kill came in the middle: \(doneAtKill) of 5 done")
            try await h.restartServe()
            let settled = try await h.eventually(timeout: .seconds(200)) {
                try await store.counts(now: Date()).byStatus[.done] == 5
            }
            let counts = try await store.counts(now: Date()).byStatus
            #expect(settled, "\(counts)")
            let grace = try await h.sandboxPeople()["grace@x.io"]
            #expect(
                grace?.data == ["n": 5], "the last update is the value Crisp keeps: \(String(describing: grace?.data))")
        }

        @Test func crispAwayForAWhileIsWaitedOut() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            // A port with nobody listening yet; the sandbox starts there 30 s later. It is below Linux's ephemeral
            // range (32768–60999), so no outgoing connection of the test run can be holding it meanwhile.
            let port = Int.random(in: 20_000..<32_000)
            try await h.startServe(crispURL: "http://127.0.0.1:\(port)/v1/")
            let answered = await postMany(h, count: 20, concurrency: 4, prefix: "away")
            #expect(answered.count == 20)
            try await Task.sleep(for: .seconds(30))
            let store = try h.store()
            #expect(try await store.counts(now: Date()).byStatus[.done] == 0)
            try await h.startSandbox(port: port)
            #expect(
                try await h.eventually(timeout: .seconds(120)) {
                    try await store.counts(now: Date()).byStatus[.done] == 20
                }
            )
            #expect(try await h.sandboxPeople().count == 20)
            #expect(try await h.sandboxPeople().values.allSatisfy { $0.events == 1 })
            for event in try await store.events(status: .done, since: nil, limit: 50) {
                #expect(try await store.attempts(eventID: event.id).last?.outcome == "done")
            }
        }

        @Test func underCrispsRateLimitEverythingArrivesAndNothingDies() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox(["--rate-limit", "20"])
            try await h.startServe(["--crisp-rate", "20"])  // serve's default rate, above what the sandbox allows
            let answered = await postMany(h, count: 500, concurrency: 16, prefix: "rate")
            #expect(answered.count == 500)
            let store = try h.store()
            let delivered = try await h.eventually(timeout: .seconds(400)) {
                try await store.counts(now: Date()).byStatus[.done] == 500
            }
            let counts = try await store.counts(now: Date()).byStatus
            #expect(delivered, "\(counts)")
            #expect(try await store.counts(now: Date()).byStatus[.dead] == 0)
            #expect(try await h.sandboxPeople().values.allSatisfy { $0.events == 1 })
        }
    }
}
