import BridgeCore
import BridgeRuntime
import CrispPeople
import CrispSandbox
import Foundation
import Testing

@Suite struct DeliveryPolicyTests {
    @Test func retriesBackOffExponentiallyUpToAnHourAndGiveUpAfterADay() {
        let schedule = RetrySchedule()
        let received = Date(timeIntervalSince1970: 0)
        let delays = (1...15).map {
            schedule.next(attempts: $0, received: received, now: received, random: 0).at.timeIntervalSince1970
        }
        #expect(Array(delays.prefix(5)) == [1, 2, 4, 8, 16])
        #expect(delays.last == 3600)
        #expect(
            abs(schedule.next(attempts: 3, received: received, now: received, random: 1).at.timeIntervalSince1970 - 4.8)
                < 0.001)
        #expect(
            abs(
                schedule.next(attempts: 3, received: received, now: received, random: -1).at.timeIntervalSince1970 - 3.2
            ) < 0.001)
        #expect(
            schedule.next(attempts: 1, received: received, now: received, retryAfter: 60, random: 0).at
                .timeIntervalSince1970 == 60)
        #expect(
            !schedule.next(attempts: 20, received: received, now: received.addingTimeInterval(80_000), random: 0).giveUp
        )
        #expect(
            schedule.next(attempts: 20, received: received, now: received.addingTimeInterval(84_000), random: 0).giveUp)
    }

    @Test func credentialsAreRedactedFromStoredHeaders() {
        let redacted = HeaderRedaction.redact([
            "authorization": "Basic abc", "x-hubspot-signature-v3": "sig", "webhook-signature": "v1,x",
            "x-bridge-key": "k", "content-type": "application/json", "webhook-id": "msg_1", "cookie": "a=b",
        ])
        #expect(redacted["content-type"] == "application/json")
        #expect(redacted["webhook-id"] == "msg_1")
        for name in ["authorization", "x-hubspot-signature-v3", "webhook-signature", "x-bridge-key", "cookie"] {
            #expect(redacted[name] == HeaderRedaction.placeholder, "\(name)")
        }
    }

    @Test func credentialsAreRedactedByWordNotBySubstring() {
        let query = HeaderRedaction.redactQuery(
            "keyword=shoes&author=bob&monkey=george&api_key=k1&accessToken=t1&code=c1&sig=s1&pass=p&my.secret=s",
            senderNames: ["k"])
        #expect(
            query
                == "keyword=shoes&author=bob&monkey=george&api_key=redacted&accessToken=redacted&code=redacted&sig=redacted&pass=redacted&my.secret=redacted"
        )
        #expect(HeaderRedaction.redactQuery("k=1&K=2&x=3", senderNames: ["k"]) == "k=redacted&K=redacted&x=3")
        let headers = HeaderRedaction.redact(
            [
                "x-zapier-pass": "hk-one", "x-dataverse-shared": "dv", "x-author": "ada", "x-keyword": "w",
                "x-auth-token": "t",
            ],
            senderNames: ["X-Dataverse-Shared"])
        #expect(headers["x-zapier-pass"] == HeaderRedaction.placeholder)
        #expect(headers["x-dataverse-shared"] == HeaderRedaction.placeholder, "the header a verifier checks")
        #expect(headers["x-auth-token"] == HeaderRedaction.placeholder)
        #expect(headers["x-author"] == "ada")
        #expect(headers["x-keyword"] == "w")
    }

    @Test func theRateLimiterSpacesCallsAndSlowsDownOnce() async {
        let limiter = CrispRateLimiter(perSecond: 50)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<75 { await limiter.acquire() }  // 50 at once, then 25 at 50/s
        #expect(clock.now - start >= .milliseconds(400))
        await limiter.slowDown()
        await limiter.slowDown()  // the same burst: counted once
        #expect(await limiter.currentRate == 25)
    }

    /// Counts the requests it lets through.
    actor CountingThrottle: CrispThrottle {
        var acquired = 0
        var slowdowns = 0
        func acquire() async { acquired += 1 }
        func slowDown() async { slowdowns += 1 }
    }

    @Test func theThrottlePacesEveryHTTPRequestRetriesIncluded() async throws {
        let sandbox = try await CrispSandbox.start(configuration: SandboxConfiguration(rateLimit: 5))
        let throttle = CountingThrottle()
        let crisp = CrispClient(
            configuration: .init(
                baseURL: sandbox.baseURL, websiteID: sandbox.configuration.websiteID, identifier: "sandbox-identifier",
                key: "sandbox-key",
                retry: .init(
                    maxAttempts: 400, initialDelay: .milliseconds(20), maxDelay: .milliseconds(100),
                    maxWaitInCall: .seconds(1))),
            throttle: throttle)
        // one upsert is a GET and a POST; the 429s of a burst are retried inside the calls (sent at once, so the
        // burst outruns the limit however slow a loaded machine is)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<12 {
                group.addTask { _ = try await crisp.upsertProfile(ProfileUpsert(email: "t\(i)@x.io")) }
            }
            try await group.waitForAll()
        }
        let sent = sandbox.state.requests.count
        #expect(await throttle.acquired == sent, "every request the sandbox saw waited for the throttle")
        #expect(sent > 24, "the rate limit made the client retry")
        #expect(await throttle.slowdowns == sandbox.state.requests.filter { $0.status == 429 }.count)
        try await crisp.shutdown()
        await sandbox.stop()
    }
}
