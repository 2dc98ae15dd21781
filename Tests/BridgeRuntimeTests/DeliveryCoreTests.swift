import AsyncHTTPClient
import BridgeCore
import BridgeRuntime
import BridgeStore
import CrispPeople
import Foundation
import NIOCore
import Synchronization
import Testing

/// The delivery core's regressions, each found by a bad-input probe: a fetch slower than the lease, `http`-only
/// pipelines held by one failing call, calls that never left taken for calls in doubt, replays that repeat what
/// was done.
extension ProcessTests {
    @Suite struct DeliveryCoreTests {
        static let json = ["Content-Type": "application/json"]

        /// A fetch that answers after the lease has run out twice over: the lease is kept alive while the event is
        /// planned, so no other worker takes the event, and the upstream is called once.
        @Test func aFetchSlowerThanTheLeaseIsDeliveredOnceWithOneUpstreamCall() async throws {
            let api = try await StandInAPI.start { _, _ in .init(body: #"{"ok": true}"#, delay: .milliseconds(3500)) }
            let h = try await InProcessBridge.start(
                pipelines: ["ordered": DeliveryOrderTests.pipeline(api: api.baseURL)]
            ) { options, _ in
                options.lease = 1.5
            }
            let body = #"{"id": "slow-1", "email": "slow@example.com", "n": 1, "speed": "slow"}"#
            #expect(try await h.send("/hooks/ordered", body: Data(body.utf8), headers: Self.json).status == 202)
            let store = h.store
            #expect(
                try await h.eventually(timeout: .seconds(30)) {
                    try await store.counts(now: Date()).byStatus[.done] == 1
                })
            let event = try #require(try await store.events(status: nil, since: nil, limit: 5).first)
            #expect(event.attempts == 1)
            #expect(api.requests.count == 1, "the upstream was called \(api.requests.count) times")
            #expect(try await h.sandboxPeople()["slow@example.com"]?.data["seen"] == true)
            await h.stop()
            await api.stop()
        }

        static func callPipeline(api: String) -> String {
            """
            name: rows
            trigger:
              webhook: { path: /hooks/rows, verify: none }
              id: body.id
            actions:
              - http: { url: "\(api)/rows/${{ body.outcome }}", body: { id: "${{ body.id }}" } }
            """
        }

        /// An `http`-only pipeline has no contact to keep an order for: one event whose call is retried (503) does
        /// not hold the events after it.
        @Test func anHTTPOnlyPipelinesLaterEventsAreNotHeldByAFailingOne() async throws {
            let api = try await StandInAPI.start { _, path in
                path.hasSuffix("/busy") ? .init(status: 503, body: "{}") : .init(status: 201, body: "{}")
            }
            let h = try await InProcessBridge.start(pipelines: ["rows": Self.callPipeline(api: api.baseURL)])
            let first = #"{"id": "r-1", "outcome": "busy"}"#
            let second = #"{"id": "r-2", "outcome": "fine"}"#
            #expect(try await h.send("/hooks/rows", body: Data(first.utf8), headers: Self.json).status == 202)
            #expect(try await h.send("/hooks/rows", body: Data(second.utf8), headers: Self.json).status == 202)
            let store = h.store
            #expect(try await h.eventually { try await store.counts(now: Date()).byStatus[.done] == 1 })
            let events = try await store.events(status: nil, since: nil, limit: 5)
            let busy = try #require(events.first { $0.dedupeID == "r-1" })
            #expect(busy.status == .pending && busy.attempts >= 1, "the failing one is retried: \(busy)")
            #expect(busy.contact == nil && busy.orderKey == nil)
            #expect(events.first { $0.dedupeID == "r-2" }?.status == .done)
            await h.stop()
            await api.stop()
        }

        /// Which failures mean "never sent" comes from AsyncHTTPClient's error kinds, checked here on the errors
        /// the real client raises: a refused connection and a pool that had no connection free in time were not
        /// sent; an answer that did not come in time may have been received.
        @Test func unsentRequestsAreToldFromRequestsInDoubtByTheClientsErrors() async throws {
            let api = try await StandInAPI.start { _, path in
                .init(body: "{}", delay: path.hasSuffix("/slow") ? .seconds(3) : .zero)
            }
            // As the fetcher sets it up: a connect timeout (here 500 ms) shorter than a call's deadline, so a call
            // that waits in the pool for a connection fails when that timeout passes.
            var configuration = HTTPClient.Configuration()
            configuration.timeout = .init(connect: .milliseconds(500))
            configuration.connectionPool = .init(
                idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            func error(of url: String, deadline: TimeAmount) async -> (any Error)? {
                do {
                    let response = try await client.execute(HTTPClientRequest(url: url), deadline: .now() + deadline)
                    _ = try await response.body.collect(upTo: 1 << 20)
                    return nil
                } catch {
                    return error
                }
            }
            let refused = await error(of: "http://127.0.0.1:1/x", deadline: .seconds(5))
            #expect(refused.map(UnsentRequest.matches) == true, "refused: \(String(describing: refused))")
            // One connection per host: the slow call holds it, the next waits in the pool past its deadline.
            async let slow = error(of: api.baseURL + "/slow", deadline: .seconds(10))
            try await Task.sleep(for: .milliseconds(300))
            let queued = await error(of: api.baseURL + "/fast", deadline: .seconds(2))
            #expect(queued.map(UnsentRequest.matches) == true, "queued: \(String(describing: queued))")
            #expect(await slow == nil)
            let late = await error(of: api.baseURL + "/slow", deadline: .seconds(1))
            #expect(late != nil && late.map(UnsentRequest.matches) == false, "late: \(String(describing: late))")
            try await client.shutdown()
            await api.stop()
        }

        static func eventPipeline(api: String) -> String {
            """
            name: posted
            trigger:
              webhook: { path: /hooks/posted, verify: none }
              id: body.id
            actions:
              - crisp.profile: { email: "${{ email(body.email) }}" }
              - crisp.event: { email: "${{ email(body.email) }}", text: Paid }
              - http: { url: "\(api)/after", body: { id: "${{ body.id }}" } }
            """
        }

        /// A dead event whose Crisp event went out before a later step failed for good: a replay resumes after
        /// the event (it is not posted again); `--from-start` runs the whole plan, the event included.
        @Test func aReplayResumesAfterWhatWasDoneAndFromStartRunsItAll() async throws {
            let failing = Switch()
            let api = try await StandInAPI.start { _, _ in
                failing.on ? .init(status: 400, body: #"{"error": "bad"}"#) : .init(status: 200)
            }
            let h = try await InProcessBridge.start(pipelines: ["posted": Self.eventPipeline(api: api.baseURL)])
            let body = #"{"id": "p-1", "email": "payer@example.com"}"#
            #expect(try await h.send("/hooks/posted", body: Data(body.utf8), headers: Self.json).status == 202)
            let store = h.store
            #expect(try await h.eventually { try await store.counts(now: Date()).byStatus[.dead] == 1 })
            let dead = try #require(try await store.events(status: .dead, since: nil, limit: 1).first)
            #expect(dead.progress == 2, "the profile and the event were done")
            #expect(try await h.sandboxPeople()["payer@example.com"]?.events == 1)
            failing.on = false
            #expect(try await store.replay(ids: [dead.id], now: Date()) == 1)
            #expect(try await h.eventually { try await store.counts(now: Date()).byStatus[.done] == 1 })
            #expect(
                try await h.sandboxPeople()["payer@example.com"]?.events == 1, "the Crisp event was not posted again")
            #expect(api.requests.count == 2)
            // From the start: everything again, the Crisp event included (done events always run from the start).
            #expect(try await store.replay(ids: [dead.id], now: Date(), force: false, fromStart: true) == 1)
            #expect(try await h.eventually { try await h.sandboxPeople()["payer@example.com"]?.events == 2 })
            #expect(try await h.eventually { try await store.counts(now: Date()).byStatus[.done] == 1 })
            let log = try await store.attempts(eventID: dead.id).map(\.reason)
            #expect(log.contains { $0.contains("from the start of its plan") })
            await h.stop()
            await api.stop()
        }
    }
}

/// A flag a stand-in's handler reads while the test flips it.
final class Switch: Sendable {
    private let state = Mutex(true)
    var on: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
