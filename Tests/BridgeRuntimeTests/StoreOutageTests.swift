import AsyncHTTPClient
import BridgeCore
import Foundation
import NIOCore
import Testing

/// PostgreSQL stopped for about 10 s under a running `serve`: intake answers 503 with `Retry-After` (so senders
/// retry) and `/readyz` fails meanwhile; once PostgreSQL is back, `serve` recovers by itself and every
/// acknowledged webhook is delivered exactly once.
extension ProcessTests {
    @Suite struct StoreOutageTests {
        @Test func aStoppedPostgresGets503sAndRecoversWithNothingLost() async throws {
            let h = try RuntimeHarness()
            defer { h.close() }
            try await h.startSandbox()
            // A server of its own: stopping it must not disturb the other tests' databases.
            let server = try TestPostgres.startServer()
            let serve = try ChildProcess(
                [
                    "serve", "--pipelines", h.folder + "/pipelines", "--port", "0", "--store", server.url,
                    "--concurrency", "4", "--crisp-rate", "2000", "--log-level", "notice",
                ],
                environment: [
                    "CRISP_API_URL": h.sandboxURL, "CRISP_WEBSITE_ID": RuntimeHarness.website,
                    "CRISP_IDENTIFIER": "sandbox-identifier", "CRISP_KEY": "sandbox-key",
                    "TEST_WEBHOOK_PASSWORD": RuntimeHarness.password,
                ])
            defer { serve.stop() }
            h.servePort =
                Int(try await serve.waitFor(#"crisp-bridge listening on http://127\.0\.0\.1:(\d+)"#)) ?? 0

            var acknowledged = Set<String>()
            for n in 0..<10 where try await Self.send(h, "before-\(n)").status == 202 {
                acknowledged.insert("before-\(n)")
            }
            #expect(acknowledged.count == 10)

            let clock = ContinuousClock()
            let stoppedAt = clock.now
            try await TestPostgres.control(server.control, "stop")
            var refused: [String] = []
            var longestRefusal = Duration.zero
            var n = 0
            // During the outage: every answer is either an acknowledgement (stored) or a 503 with Retry-After.
            while clock.now - stoppedAt < .seconds(10) {
                let sentAt = clock.now
                let answer = try await Self.send(h, "during-\(n)")
                if answer.status == 202 {
                    acknowledged.insert("during-\(n)")
                } else {
                    #expect(answer.status == 503, "during the outage: \(answer.status)")
                    #expect(answer.retryAfter != nil, "a 503 without Retry-After")
                    refused.append("during-\(n)")
                    longestRefusal = max(longestRefusal, clock.now - sentAt)
                }
                n += 1
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(refused.count > 1, "no webhook was refused while PostgreSQL was stopped")
            // Every refusal comes within --store-timeout (2 s) and a little, the later ones within a second: before
            // senders give up (HubSpot after 5 s).
            #expect(longestRefusal < .milliseconds(2800), "a refusal during the outage took \(longestRefusal)")
            let readiness = try await h.call("/readyz")
            #expect(readiness.status == 503, "/readyz during the outage: \(readiness)")
            try await TestPostgres.control(server.control, "start")

            // Recovery by itself: a sender's retry is acknowledged again soon.
            let recovered = try await h.eventually(timeout: .seconds(30)) {
                try await h.call("/readyz").status == 200
            }
            #expect(recovered, "/readyz did not recover within 30 s of PostgreSQL's restart")
            for n in 0..<10 {
                let answer = try await Self.send(h, "after-\(n)")
                #expect(answer.status == 202, "after the outage: \(answer.status)")
                if answer.status == 202 { acknowledged.insert("after-\(n)") }
            }
            // The senders send the refused ones again: each is stored now, or was stored after all (a commit
            // that landed after its 503): then the retry is a duplicate, and it is still delivered once.
            for id in refused {
                let answer = try await Self.send(h, id)
                #expect(answer.status == 202 || answer.status == 200, "a retry after the outage: \(answer.status)")
                acknowledged.insert(id)
            }

            let drained = try await h.eventually(timeout: .seconds(30)) {
                let people = try await h.sandboxPeople()
                return people.count == acknowledged.count && people.values.allSatisfy { $0.events >= 1 }
            }
            let people = try await h.sandboxPeople()
            #expect(drained, "delivered \(people.count) of \(acknowledged.count) acknowledged webhooks")
            let expected = Set(acknowledged.map { "\($0)@outage.io" })
            #expect(Set(people.keys) == expected, "missing: \(expected.subtracting(people.keys).sorted().prefix(5))")
            let repeated = people.filter { $0.value.events != 1 }.map { "\($0.key): \($0.value.events)" }
            #expect(
                repeated.isEmpty,
                "webhooks not delivered exactly once: \(repeated.sorted()) \(serve.output.suffix(3000))")
            #expect(!serve.output.contains(":throwaway@"), "the store password is in the log")
        }

        /// Posts one signup; its status and `Retry-After`.
        static func send(_ h: RuntimeHarness, _ id: String) async throws -> (status: Int, retryAfter: String?) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(h.servePort)/hooks/signup")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(
                name: "Authorization",
                value: "Basic " + Data("test:\(RuntimeHarness.password)".utf8).base64EncodedString())
            request.body = .bytes(ByteBuffer(string: RuntimeHarness.signup(id, email: "\(id)@outage.io")))
            let response = try await RuntimeHarness.client.execute(request, timeout: .seconds(20))
            _ = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), response.headers.first(name: "retry-after"))
        }
    }
}
