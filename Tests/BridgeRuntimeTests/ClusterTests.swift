import AsyncHTTPClient
import BridgeCore
import Foundation
import Synchronization
import Testing

/// Three `serve` processes on one PostgreSQL, webhooks spread over them, one SIGKILLed mid-way: every
/// acknowledged webhook is delivered exactly once, each contact's updates in order. The suite sends 300
/// (`CRISP_BRIDGE_CLUSTER_WEBHOOKS=3000` for the full run the README names).
extension ProcessTests {
    @Suite struct ClusterTests {
        static let webhooks = Int(ProcessInfo.processInfo.environment["CRISP_BRIDGE_CLUSTER_WEBHOOKS"] ?? "") ?? 300
        static let updatesPerContact = 5

        @Test func threeInstancesOneKilledDeliverEveryAcknowledgedWebhookOnceInOrder() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            // Each event carries its update's number, so a loss, a duplicate or a swap shows in its contact's list.
            try h.addPipeline(
                "signup",
                try RuntimeHarness.signupPipeline().replacingOccurrences(
                    of: "text: Signed up", with: #"text: "Update ${{ body.n }}""#))
            try await h.startSandbox()
            let database = try await TestPostgres.freshDatabase()
            var instances: [ChildProcess] = []
            var ports: [Int] = []
            defer { for instance in instances { instance.stop() } }
            for _ in 0..<3 {
                let instance = try ChildProcess(
                    [
                        "serve", "--pipelines", h.folder + "/pipelines", "--port", "0", "--store", database,
                        "--concurrency", "8", "--crisp-rate", "5000", "--lease", "3", "--log-level", "notice",
                    ]
                        + (ProcessInfo.processInfo.environment["CRISP_BRIDGE_CLUSTER_COALESCE"].map {
                            ["--coalesce", $0]
                        } ?? []),
                    environment: [
                        "CRISP_API_URL": h.sandboxURL, "CRISP_WEBSITE_ID": RuntimeHarness.website,
                        "CRISP_IDENTIFIER": "sandbox-identifier", "CRISP_KEY": "sandbox-key",
                        "TEST_WEBHOOK_PASSWORD": RuntimeHarness.password,
                    ])
                instances.append(instance)
                ports.append(
                    Int(try await instance.waitFor(#"crisp-bridge listening on http://127\.0\.0\.1:(\d+)"#)) ?? 0)
            }
            #expect(!instances[0].output.contains(":throwaway@"), "the store password is in the log")

            let contacts = Self.webhooks / Self.updatesPerContact
            let progress = SendProgress()
            // A sender's patience: connections may be slow to open on a loaded machine.
            let client = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: .init(
                    timeout: .init(connect: .seconds(10), read: .seconds(30)),
                    connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)))
            defer { Task { try? await client.shutdown() } }
            let victim = instances[0]
            let portList = ports
            // Each contact's updates are sent one after the other (that is their order); contacts in parallel.
            // A refused connection (the killed instance) is sent again to the next one, as a sender retries.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for c in 0..<contacts {
                    group.addTask {
                        for n in 1...Self.updatesPerContact {
                            let body = RuntimeHarness.signup("c\(c)-u\(n)", email: "c\(c)@cluster.io", n: n)
                            var target = (c + n) % 3
                            var delivered = false
                            var failures: [String] = []
                            for _ in 0..<6 where !delivered {
                                do {
                                    let answer = try await RuntimeHarness.post(
                                        port: portList[target], body: body, client: client)
                                    delivered = (200..<300).contains(answer.status)
                                    if !delivered {
                                        failures.append("\(answer.status) \(String(describing: answer.json))")
                                    }
                                } catch {
                                    failures.append("\(error)")
                                }
                                if !delivered {
                                    target = (target + 1) % 3
                                    try await Task.sleep(for: .milliseconds(200))
                                }
                            }
                            #expect(delivered, "c\(c) update \(n) was never acknowledged: \(failures)")
                            if progress.countOneAndSayWhetherToKill(at: Self.webhooks / 2) { victim.signal(SIGKILL) }
                        }
                    }
                    if c % 20 == 19 { try await group.next() }  // at most 20 contacts at once
                }
                try await group.waitForAll()
            }
            #expect(progress.killed)

            let clock = ContinuousClock()
            let lastWebhook = clock.now
            // Waits longer than the promise, to say how long it took when it is late.
            let drained = try await h.eventually(timeout: .seconds(120)) {
                let people = try await h.sandboxPeople()
                return people.count == contacts
                    && people.values.allSatisfy { $0.events == Self.updatesPerContact }
            }
            let drainTime = clock.now - lastWebhook
            print("cluster test: \(contacts) contacts drained \(drainTime) after the last webhook")
            let people = try await h.sandboxPeople()
            #expect(drained && drainTime <= .seconds(30), "drained: \(drained), \(drainTime) after the last webhook")
            #expect(people.count == contacts, "profiles: \(people.count), contacts: \(contacts)")
            let wrongEvents = people.filter { $0.value.events != Self.updatesPerContact }
            #expect(
                wrongEvents.isEmpty,
                "contacts without exactly one event per update: \(wrongEvents.keys.sorted().prefix(5))")
            let outOfOrder = people.filter { $0.value.data["n"] != .number(Double(Self.updatesPerContact)) }
            #expect(
                outOfOrder.isEmpty,
                "contacts whose last update is not the last value: \(outOfOrder.keys.sorted().prefix(5))")
            // Each contact got exactly updates 1…5, once each, in the order they were sent.
            let expected = (1...Self.updatesPerContact).map { "Update \($0)" }
            let texts = try await RuntimeHarness.sandboxEventTexts(at: h.sandboxURL)
            let wrongSequence = texts.filter { $0.value != expected }
            #expect(texts.count == contacts)
            #expect(
                wrongSequence.isEmpty,
                "contacts whose events are not \(expected): \(wrongSequence.sorted { $0.key < $1.key }.prefix(3))")
        }
    }
}

/// How many webhooks were acknowledged, and whether the victim was killed (once, half-way).
final class SendProgress: Sendable {
    private let state = Mutex((accepted: 0, killed: false))

    var killed: Bool { state.withLock { $0.killed } }

    /// Counts one acknowledged webhook; true exactly once, when `threshold` is reached.
    func countOneAndSayWhetherToKill(at threshold: Int) -> Bool {
        state.withLock {
            $0.accepted += 1
            guard $0.accepted >= threshold, !$0.killed else { return false }
            $0.killed = true
            return true
        }
    }
}
