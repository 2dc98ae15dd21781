import BridgeCore
import CrispSandbox
import Foundation
import NIOHTTP1
import Testing

/// The sandbox's routes, reasons and status codes, over raw HTTP.
@Suite struct SandboxTests {
    static let ada = #"{"email": "ada@example.com", "person": {"nickname": "Ada"}}"#

    @Test func everyPeopleRouteAnswersInCrispsEnvelope() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        func call(_ m: HTTPMethod, _ rest: String, _ body: String? = nil) async throws -> (Int, JSONValue?) {
            let r = try await f.raw(m, f.people(rest), body: body)
            return (r.status, r.json)
        }
        let (created, added) = try await call(.POST, "profile", Self.ada)
        #expect(created == 201)
        #expect(added?["error"] == false)
        #expect(added?["reason"] == "added")
        let id = try #require(added?["data"]["people_id"].stringValue)

        #expect(try await call(.HEAD, "profile/\(id)").0 == 200)
        #expect(try await call(.HEAD, "profile/ada@example.com").0 == 200)
        #expect(try await call(.HEAD, "profile/ADA@EXAMPLE.COM").0 == 200)
        let (_, got) = try await call(.GET, "profile/\(id)")
        #expect(got?["reason"] == "resolved")
        #expect(got?["data"]["email"] == "ada@example.com")

        #expect(
            try await call(.PATCH, "profile/\(id)", #"{"person": {"nickname": "Ada L."}, "segments": ["a"]}"#).1?[
                "reason"] == "updated")
        #expect(try await call(.GET, "profile/\(id)").1?["data"]["segments"] == ["a"])
        _ = try await call(.PUT, "profile/\(id)", #"{"email": "ada@example.com", "person": {"nickname": "Only"}}"#)
        let replaced = try await call(.GET, "profile/\(id)").1?["data"]
        #expect(replaced?["segments"] == [])
        #expect(replaced?["person"] == ["nickname": "Only"])

        _ = try await call(.PATCH, "data/\(id)", #"{"data": {"a": 1, "b": "x"}}"#)
        _ = try await call(.PATCH, "data/\(id)", #"{"data": {"b": "y"}}"#)
        #expect(try await call(.GET, "data/\(id)").1?["data"] == ["data": ["a": 1, "b": "y"]])
        _ = try await call(.PUT, "data/\(id)", #"{"data": {}}"#)
        #expect(try await call(.GET, "data/\(id)").1?["data"] == ["data": [:]])

        #expect(try await call(.POST, "events/\(id)", #"{"text": "Hi", "color": "blue"}"#).1?["reason"] == "added")
        #expect(try await call(.GET, "events/\(id)/list/1").1?["data"][0]["text"] == "Hi")
        #expect(try await call(.GET, "events/\(id)/list/2").1?["data"] == [])
        #expect(try await call(.GET, "subscription/\(id)").1?["data"] == ["email": true])
        _ = try await call(.PATCH, "subscription/\(id)", #"{"email": false}"#)
        #expect(try await call(.GET, "subscription/\(id)").1?["data"] == ["email": false])
        #expect(try await call(.GET, "conversations/\(id)/list/1").1?["data"] == [])
        #expect(try await call(.GET, "stats").1?["data"] == ["total": 1])
        #expect(try await call(.GET, "profiles/1").1?["data"][0]["people_id"] == .string(id))
        #expect(try await call(.GET, "profiles/1?search_text=nobody").1?["data"] == [])
        _ = try await call(.PATCH, "profile/\(id)", #"{"segments": ["x", "y"]}"#)
        #expect(
            try await call(.GET, "suggest/segments/1").1?["data"] == [
                ["segment": "x", "count": 1], ["segment": "y", "count": 1],
            ])
        #expect(try await call(.GET, "segments/1").1?["data"][0]["segment"] == "x")
        #expect(try await call(.DELETE, "profile/\(id)").1?["reason"] == "deleted")
        #expect(try await call(.GET, "stats").1?["data"] == ["total": 0])
    }

    @Test(
        arguments: [
            (
                HTTPMethod.POST, "profile", #"{"email": "not-an-email", "person": {"nickname": "x"}}"#, 400,
                "invalid_data"
            ),
            (.POST, "profile", #"{"email": "a@x.io"}"#, 400, "invalid_data"),
            (.POST, "profile", #"{"email": "a@x.io", "person": {"nickname": "x", "age": 3}}"#, 400, "invalid_data"),
            (
                .POST, "profile", #"{"email": "a@x.io", "person": {"nickname": "x", "timezone": "UTC"}}"#, 400,
                "invalid_data"
            ),
            (.POST, "profile", "{not json", 400, "invalid_data"),
            (.POST, "profile", "[1]", 400, "invalid_data"),
            (.POST, "profile", #"{"email": "ada@example.com", "person": {"nickname": "Again"}}"#, 409, "people_exists"),
            (.PATCH, "data/ada@example.com", #"{"a": 1}"#, 400, "invalid_data"),
            (.PATCH, "data/ada@example.com", #"{"data": {"bad key": 1}}"#, 400, "invalid_data"),
            (.PATCH, "data/ada@example.com", #"{"data": {"k": {"nested": 1}}}"#, 400, "invalid_data"),
            (.POST, "events/ada@example.com", #"{"text": ""}"#, 400, "invalid_data"),
            (.POST, "events/ada@example.com", #"{"text": "x", "color": "teal"}"#, 400, "invalid_data"),
            (
                .POST, "events/ada@example.com",
                #"{"text": "x", "data": {"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"j":1,"k":1}}"#, 400,
                "invalid_data"
            ),
            (.POST, "events/ada@example.com", #"[{"text": "as a list"}]"#, 400, "invalid_data"),
            (.GET, "profile/nobody@example.com", nil, 404, "people_not_found"),
            (.PATCH, "data/nobody@example.com", #"{"data": {}}"#, 404, "people_not_found"),
            (.GET, "profiles/0", nil, 400, "invalid_data"),
            (.GET, "profiles/1?per_page=500", nil, 400, "invalid_data"),
            (.GET, "nothing/here", nil, 404, "not_found"),
            (.DELETE, "stats", nil, 405, "method_not_allowed"),
            (.POST, "data/ada@example.com", #"{"data": {}}"#, 405, "method_not_allowed"),
        ] as [(HTTPMethod, String, String?, Int, String)])
    func badRequestsGetCrispsErrorNeverASilentSuccess(
        method: HTTPMethod, rest: String, body: String?, status: Int, reason: String
    ) async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        _ = try await f.raw(.POST, f.people("profile"), body: Self.ada)
        let r = try await f.raw(method, f.people(rest), body: body)
        #expect(r.status == status)
        #expect(r.json?["error"] == true)
        #expect(r.json?["reason"] == .string(reason))
        #expect(r.json?["data"]["message"].stringValue?.isEmpty == false)
        #expect(try await f.raw(.GET, f.people("stats")).json?["data"] == ["total": 1])
    }

    @Test func credentialsWebsitesAndUnknownRoutes() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        let wrong = try await f.raw(.GET, f.people("stats"), auth: "sandbox-identifier:nope")
        #expect(wrong.status == 401)
        #expect(wrong.json?["reason"] == "unauthorized")
        let otherSite = try await f.raw(.GET, "v1/website/other/people/stats")
        #expect(otherSite.status == 404)
        #expect(otherSite.json?["reason"] == "website_not_found")
        let outside = try await f.raw(.GET, "v2/anything")
        #expect(outside.status == 404)
        #expect(outside.json?["reason"] == "not_found")
    }

    /// A body over 1 MiB is answered 413 in Crisp's envelope (it was a 500 with no body, which a client
    /// retries), and the client takes it as a permanent refusal.
    @Test func aBodyOverOneMebibyteIsRefusedWith413() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        let large = #"{"data":{"notes":""# + String(repeating: "x", count: (1 << 20) + 10) + #""}}"#
        let answer = try await f.raw(.PATCH, f.people("data/ada@example.com"), body: large)
        #expect(answer.status == 413)
        #expect(answer.json?["reason"] == "request_too_large")
        #expect(answer.json?["error"] == true)
        do {
            try await f.client.mergeData("ada@example.com", ["notes": .string(large)])
            Issue.record("a 413 was not an error")
        } catch {
            #expect(error.status == 413)
            #expect(!error.isRetryable, "a body too large is refused again as it is: not retried")
        }
    }

    @Test func theInspectionRouteListsAndClearsRequests() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        _ = try await f.raw(.POST, f.people("profile"), body: Self.ada)
        _ = try await f.raw(.GET, f.people("profile/nobody@x.io"))
        let listed = try await f.raw(.GET, "_sandbox/requests").json?["requests"].arrayValue ?? []
        #expect(listed.map { $0["status"] } == [201, 404])
        #expect(listed.map { $0["reason"] } == ["added", "people_not_found"])
        _ = try await f.raw(.DELETE, "_sandbox/requests")
        #expect(try await f.raw(.GET, "_sandbox/requests").json?["requests"] == [])
        _ = try await f.raw(.POST, "_sandbox/reset")
        #expect(f.sandbox.state.profileCount == 0)
    }

    @Test func latencyDelaysEveryAnswer() async throws {
        let f = try await SandboxFixture.start(SandboxConfiguration(latencyMilliseconds: 150))
        defer { Task { await f.close() } }
        let clock = ContinuousClock()
        let start = clock.now
        _ = try await f.raw(.GET, f.people("stats"))
        #expect(clock.now - start >= .milliseconds(150))
    }

    @Test func concurrentCreatesOfOneEmailGiveOnePeopleExistsEach() async throws {
        let f = try await SandboxFixture.start()
        defer { Task { await f.close() } }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 { group.addTask { try await f.raw(.POST, f.people("profile"), body: Self.ada).status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 201 }.count == 1)
        #expect(statuses.filter { $0 == 409 }.count == 19)
    }

    @Test func rateLimitAndInjectedFailuresUseCrispsStatuses() async throws {
        let limited = try await SandboxFixture.start(SandboxConfiguration(rateLimit: 1))
        // One request a second: of ten sent back to back, most are refused (however slow the machine is).
        var refused: [(status: Int, json: JSONValue?)] = []
        for _ in 0..<10 {
            let answer = try await limited.raw(.GET, limited.people("stats"))
            if answer.status != 200 { refused.append((answer.status, answer.json)) }
        }
        #expect(refused.count >= 5)
        #expect(refused.allSatisfy { $0.status == 429 && $0.json?["reason"] == "rate_limited" })
        await limited.close()

        let failing = try await SandboxFixture.start(SandboxConfiguration(failRate: 1))
        for _ in 0..<6 {
            let r = try await failing.raw(.GET, failing.people("stats"))
            #expect([500, 503].contains(r.status))
            #expect(r.json?["reason"] == (r.status == 500 ? "error" : "unavailable"))
        }
        await failing.close()
    }

    /// The statuses of 64 requests, one after the other, to a sandbox failing half of them with `seed`.
    func faultSequence(seed: UInt64) async throws -> [Int] {
        var configuration = SandboxConfiguration(failRate: 0.5)
        configuration.seed = seed
        let sandbox = try await SandboxFixture.start(configuration, retry: .none)
        var statuses: [Int] = []
        for _ in 0..<64 { statuses.append(try await sandbox.raw(.GET, sandbox.people("stats")).status) }
        await sandbox.close()
        return statuses
    }

    @Test func aSeedReplaysTheSameFaults() async throws {
        let first = try await faultSequence(seed: 7)
        #expect(try await faultSequence(seed: 7) == first)
        #expect(try await faultSequence(seed: 8) != first)
        #expect(Set(first) == [200, 500, 503], "\(first)")
    }
}
