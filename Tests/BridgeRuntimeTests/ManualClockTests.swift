import BridgeCore
import BridgeRuntime
import BridgeStore
import Foundation
import Synchronization
import Testing

/// The bridge on a `ManualClock`: retries and the age limit follow the clock it is given, so a test moves time
/// an hour or a day on instead of waiting for it.
extension ProcessTests {
    @Suite struct ManualClockTests {
        /// A stand-in API that answers 503 until it is opened, then 201; and the bridge on `clock`.
        static func start(clock: ManualClock) async throws -> (InProcessBridge, StandInAPI, Gate) {
            let gate = Gate()
            let api = try await StandInAPI.start { _, _ in
                gate.isOpen ? .init(status: 201, body: "{}") : .init(status: 503, body: "{}")
            }
            let h = try await InProcessBridge.start(
                pipelines: ["rows": DeliveryCoreTests.callPipeline(api: api.baseURL)]
            ) { options, _ in
                options.clock = clock
            }
            return (h, api, gate)
        }

        /// Posts the event `id` and waits for its first attempt; returns the store.
        static func postAndWaitForTheFirstAttempt(_ id: String, to h: InProcessBridge) async throws -> any BridgeStore {
            let body = #"{"id": "\#(id)", "outcome": "later"}"#
            #expect(
                try await h.send("/hooks/rows", body: Data(body.utf8), headers: DeliveryCoreTests.json).status == 202)
            let store = h.store
            #expect(try await h.eventually { try await store.events(dedupeID: id).first?.attempts == 1 })
            return store
        }

        @Test func aRetryIsMadeWhenTheClockReachesItsTime() async throws {
            let clock = ManualClock(Date())
            let (h, api, gate) = try await Self.start(clock: clock)
            // The first attempt: the call and its three retries at once, all 503; the next attempt is due in 1 s of
            // the clock's time, which does not pass until the test moves it.
            let store = try await Self.postAndWaitForTheFirstAttempt("c-1", to: h)
            let waiting = try #require(try await store.events(dedupeID: "c-1").first)
            #expect(waiting.status == .pending)
            #expect(waiting.nextAttemptAt.map { $0 > clock.now() } == true, "\(String(describing: waiting))")
            #expect(api.requests.count == 4)

            gate.open()
            clock.advance(by: 3)
            #expect(try await h.eventually { try await store.events(dedupeID: "c-1").first?.status == .done })
            #expect(try await store.events(dedupeID: "c-1").first?.attempts == 2)
            #expect(api.requests.count == 5, "one more call, once the clock got there")
            await h.stop()
            await api.stop()
        }

        @Test func anEventIsDeadOnceTheClockPassesItsAgeLimit() async throws {
            let clock = ManualClock(Date())
            let (h, api, _) = try await Self.start(clock: clock)
            let store = try await Self.postAndWaitForTheFirstAttempt("c-2", to: h)
            // A day and an hour later by the clock: the next attempt fails again and the event is past 24 h.
            clock.advance(by: 25 * 3600)
            #expect(try await h.eventually { try await store.events(dedupeID: "c-2").first?.status == .dead })
            let dead = try #require(try await store.events(dedupeID: "c-2").first)
            #expect(dead.attempts == 2)
            #expect(
                dead.lastError?.contains("gave up after 2 attempts") == true, "\(String(describing: dead.lastError))")
            await h.stop()
            await api.stop()
        }
    }
}

/// Closed until opened, once.
final class Gate: Sendable {
    private let state = Mutex(false)
    var isOpen: Bool { state.withLock { $0 } }
    func open() { state.withLock { $0 = true } }
}
