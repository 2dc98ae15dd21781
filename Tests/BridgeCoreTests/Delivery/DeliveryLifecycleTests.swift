import Foundation
import Testing

@testable import BridgeCore

/// Every transition of the delivery lifecycle, with a fixed clock and no chance (random = 0).
@Suite struct DeliveryLifecycleTests {
    let lifecycle = DeliveryLifecycle(
        schedule: RetrySchedule(initialDelay: 1, maxDelay: 3600, giveUpAfter: 86_400, jitter: 0.2), orderingWait: 1)
    let received = Date(timeIntervalSince1970: 1_000_000)
    var now: Date { received.addingTimeInterval(10) }

    func decide(_ step: DeliveryStep, attempts: Int = 0, progress: Int = 0, ageFrom: Date? = nil, at: Date? = nil)
        -> DeliveryDecision
    {
        lifecycle.decide(
            step, for: .init(attempts: attempts, ageFrom: ageFrom ?? received, progress: progress), now: at ?? now,
            random: 0)
    }

    @Test func aPlanIsCarriedOutOperationByOperationFromWhereTheLastAttemptStopped() {
        #expect(decide(.planned(operations: 3, earlierPending: nil)) == .perform(index: 0))
        #expect(decide(.planned(operations: 3, earlierPending: nil), progress: 2) == .perform(index: 2))
        #expect(decide(.performed(index: 0, count: 3)) == .perform(index: 1))
        #expect(decide(.performed(index: 2, count: 3)) == .finish(.delivered(operations: 3)))
        // a plan that shrank below what was done (the pipeline changed) has nothing left
        #expect(decide(.planned(operations: 2, earlierPending: nil), progress: 3) == .finish(.delivered(operations: 2)))
        #expect(decide(.planned(operations: 0, earlierPending: nil)) == .finish(.delivered(operations: 0)))
    }

    @Test func skippedAndUnplannableEventsEndAtOnce() {
        #expect(decide(.skipped(reason: "nobody")) == .finish(.skipped(reason: "nobody")))
        #expect(decide(.unplannable(reason: "gone")) == .finish(.dead(reason: "gone", status: nil)))
    }

    @Test func aLaterEventOfAContactWaitsForTheEarlierOneWithoutAnAttempt() {
        #expect(
            decide(.planned(operations: 3, earlierPending: 41), attempts: 5)
                == .finish(.waiting(for: 41, until: now.addingTimeInterval(1))))
    }

    @Test func retryableFailuresComeBackWithABackoffThatGrows() {
        let failure = DeliveryFailure(reason: "Crisp 503 unavailable", status: 503, retryable: true)
        #expect(
            decide(.failed(index: 1, failure), attempts: 0)
                == .finish(.retry(at: now.addingTimeInterval(1), reason: "Crisp 503 unavailable", status: 503)))
        #expect(
            decide(.failed(index: 1, failure), attempts: 4)
                == .finish(.retry(at: now.addingTimeInterval(16), reason: "Crisp 503 unavailable", status: 503)))
        #expect(
            decide(.planFailed(reason: "fetch 502", retryable: true), attempts: 2)
                == .finish(.retry(at: now.addingTimeInterval(4), reason: "fetch 502", status: nil)))
        // Crisp's requested wait is a floor
        let busy = DeliveryFailure(reason: "busy", status: 503, retryable: true, retryAfter: 60)
        #expect(
            decide(.failed(index: 0, busy))
                == .finish(.retry(at: now.addingTimeInterval(60), reason: "busy", status: 503)))
    }

    @Test func aUsedUpQuotaPausesWithoutAnAttemptAndIsNeverDead() {
        let quota = DeliveryFailure(reason: "quota", status: 423, retryable: true, retryAfter: 300)
        #expect(
            decide(.failed(index: 0, quota)) == .finish(.paused(until: now.addingTimeInterval(300), reason: "quota")))
        // However many attempts and however old the event: still a pause.
        let old = DeliveryLifecycle.Event(attempts: 40, ageFrom: now.addingTimeInterval(-30 * 86_400), progress: 1)
        #expect(
            lifecycle.decide(.failed(index: 1, quota), for: old, now: now, random: 0)
                == .finish(.paused(until: now.addingTimeInterval(300), reason: "quota")))
    }

    @Test func aRateLimitRetriesSoonWithoutGrowingTheBackoff() {
        let limited = DeliveryFailure(reason: "429", status: 429, retryable: true, rateLimited: true)
        #expect(
            decide(.failed(index: 0, limited), attempts: 12)
                == .finish(.retry(at: now.addingTimeInterval(2), reason: "429", status: 429)))
    }

    @Test func permanentFailuresAreDeadAtOnceWithTheirReason() {
        let invalid = DeliveryFailure(reason: "Crisp 400 invalid_data", status: 400, retryable: false)
        #expect(decide(.failed(index: 2, invalid)) == .finish(.dead(reason: "Crisp 400 invalid_data", status: 400)))
        #expect(
            decide(.planFailed(reason: "x.yaml:3:5: email is missing", retryable: false))
                == .finish(.dead(reason: "x.yaml:3:5: email is missing", status: nil)))
    }

    @Test func anEventPastItsAgeLimitIsDeadAndAReplayGivesAFreshLimit() {
        let failure = DeliveryFailure(reason: "Crisp 503 unavailable", status: 503, retryable: true)
        let late = received.addingTimeInterval(25 * 3600)
        #expect(
            decide(.failed(index: 0, failure), attempts: 30, at: late)
                == .finish(.dead(reason: "gave up after 31 attempts: Crisp 503 unavailable", status: 503)))
        // replayed an hour ago: its age counts from the replay, so a 503 is retried, not dead
        guard
            case .finish(.retry) = decide(
                .failed(index: 0, failure), attempts: 30, ageFrom: late.addingTimeInterval(-3600), at: late)
        else {
            Issue.record("a replayed event died on its first 503")
            return
        }
    }
}
