import BridgeCore
import BridgeStore
import Foundation
import Testing

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
        /// an instance with other files) waits for a process that has it: no attempt, never dead.
        @Test func anEventOfAPipelineThisProcessLacksWaitsWithoutAnAttempt() async throws {
            let h = try await InProcessBridge.start(pipelines: ["ordered": Self.pipeline(api: "http://127.0.0.1:9")])
            let store = h.store
            let stored = try await store.accept(
                IncomingRequest(
                    pipeline: "elsewhere",
                    webhook: WebhookRequest(path: "/import", body: Data(#"{"email": "ada@example.com"}"#.utf8))),
                events: [IncomingEvent(index: 0, dedupeID: "csv:x:1:2")])
            let id = try #require(stored.first?.eventID)
            #expect(
                try await h.eventually(timeout: .seconds(30)) {
                    try await store.event(id)?.lastError?.contains("no pipeline named elsewhere is loaded here") == true
                })
            let event = try #require(try await store.event(id))
            #expect(event.status == .pending && event.attempts == 0)
            #expect(try await store.attempts(eventID: id).isEmpty)
            #expect((event.nextAttemptAt ?? .distantPast) > Date().addingTimeInterval(30), "it waits a minute")
            await h.stop()
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
