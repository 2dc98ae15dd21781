import BridgeCore
import BridgeStore
import Foundation
import Testing

@testable import BridgeRuntime

/// Per-contact order through the bridge (in-process): the contact is known at intake, so the store holds a
/// later event back before any planning, however long the earlier one's planning takes.
extension ProcessTests {
    @Suite struct DeliveryOrderTests {
        static func pipeline(api: String) -> String {
            """
            name: ordered
            trigger:
              webhook: { path: /hooks/ordered, verify: none }
              id: body.id
            fetch:
              info:
                url: \(api)/info/${{ body.speed }}
            actions:
              - crisp.profile: { email: "${{ email(body.email) }}" }
              - crisp.data: { email: "${{ email(body.email) }}", merge: { n: "${{ body.n }}", seen: "${{ info.ok }}" } }
            """
        }

        /// An event another process stored for a pipeline this one lacks (an `import` with its own pipeline,
        /// an instance with other files) is never claimed here: no attempt, no lease, no pause, so the process
        /// that has the pipeline delivers it at once — while this one delivers its own events.
        @Test func anEventOfAPipelineThisProcessLacksIsNeverClaimedHere() async throws {
            let api = try await StandInAPI.start { _, _ in .init(body: #"{"ok": true}"#) }
            let h = try await InProcessBridge.start(pipelines: ["ordered": Self.pipeline(api: api.baseURL)])
            let store = h.store
            let stored = try await store.accept(
                IncomingRequest(
                    pipeline: "elsewhere",
                    webhook: WebhookRequest(path: "/import", body: Data(#"{"email": "ada@example.com"}"#.utf8))),
                events: [IncomingEvent(index: 0, dedupeID: "csv:1:2:abc")])
            let id = try #require(stored.first?.eventID)
            let own = #"{"id": "o-1", "email": "bob@example.com", "n": 1, "speed": "fast"}"#
            #expect(
                try await h.send("/hooks/ordered", body: Data(own.utf8), headers: ["Content-Type": "application/json"])
                    .status == 202)
            #expect(try await h.eventually { try await store.counts(now: Date()).byStatus[.done] == 1 })
            try await Task.sleep(for: .milliseconds(500))
            let event = try #require(try await store.event(id))
            #expect(event.status == .pending && event.attempts == 0 && event.lastError == nil, "\(event)")
            #expect(event.leaseUntil == nil, "never claimed")
            #expect((event.nextAttemptAt ?? .distantFuture) <= Date(), "still due, for a process that has it")
            #expect(try await store.attempts(eventID: id).isEmpty)
            #expect(try await store.pendingByPipeline() == ["elsewhere": 1])
            let notice = UnloadedBacklogWatch.notice(pending: ["elsewhere": 1, "ordered": 2], loaded: ["ordered"])
            #expect(notice?.hasPrefix("1 pending event(s) of pipeline(s) not loaded here: elsewhere (1)") == true)
            #expect(UnloadedBacklogWatch.notice(pending: ["ordered": 2], loaded: ["ordered"]) == nil)
            await h.stop()
            await api.stop()
        }

        @Test func twoEventsOfAContactRunInReceivedOrderWhenTheFirstPlansSlowly() async throws {
            let api = try await StandInAPI.start { _, path in
                .init(body: #"{"ok": true}"#, delay: path.hasSuffix("/slow") ? .milliseconds(1500) : .zero)
            }
            let h = try await InProcessBridge.start(pipelines: ["ordered": Self.pipeline(api: api.baseURL)])
            let json = ["Content-Type": "application/json"]
            let first = #"{"id": "o-1", "email": "Ada@Example.com", "n": 1, "speed": "slow"}"#
            let second = #"{"id": "o-2", "email": "ada@example.com", "n": 2, "speed": "fast"}"#
            #expect(try await h.send("/hooks/ordered", body: Data(first.utf8), headers: json).status == 202)
            #expect(try await h.send("/hooks/ordered", body: Data(second.utf8), headers: json).status == 202)
            let store = h.store
            let settled = try await h.eventually {
                try await store.counts(now: Date()).byStatus[.done] == 2
            }
            #expect(settled)
            let data = try await h.sandboxPeople()["ada@example.com"]?.data
            #expect(data?["n"] == 2, "the later event's value is the last one written: \(String(describing: data))")
            let events = try await store.events(status: nil, since: nil, limit: 10)
            #expect(events.allSatisfy { $0.orderKey == "ada@example.com" && $0.attempts == 1 }, "no waiting attempts")
            await h.stop()
            await api.stop()
        }
    }
}
