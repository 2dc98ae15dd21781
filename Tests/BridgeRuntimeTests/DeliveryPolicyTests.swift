import BridgeRuntime
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
}
