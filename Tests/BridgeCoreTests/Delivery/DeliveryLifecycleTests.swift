import Foundation
import Testing

@testable import BridgeCore

/// The transitions of the delivery lifecycle, input by input, with a fixed clock and no chance (random = 0).
@Suite struct DeliveryLifecycleTests {
    let received = Date(timeIntervalSince1970: 1_000_000)
    var now: Date { received.addingTimeInterval(10) }

    /// A lifecycle for an event that stands so; without retries at once unless asked (`retriesAtOnce`).
    func lifecycle(
        attempts: Int = 0, progress: Int = 0, inFlight: Bool = false, ageFrom: Date? = nil, retriesAtOnce: Int = 0
    ) -> DeliveryLifecycle {
        DeliveryLifecycle(
            event: .init(attempts: attempts, ageFrom: ageFrom ?? received, progress: progress, inFlight: inFlight),
            schedule: RetrySchedule(initialDelay: 1, maxDelay: 3600, giveUpAfter: 86_400, jitter: 0.2),
            orderingWait: 1, retriesAtOnce: retriesAtOnce)
    }

    @Test func aRetryableFailureIsTriedAgainAtOnceAFewTimesButNotARateLimit() {
        let busy = DeliveryFailure(reason: "Crisp 503 unavailable", status: 503, retryable: true)
        let doubt = DeliveryFailure(reason: "Crisp 500 error", status: 500, retryable: true)
        var l = lifecycle(retriesAtOnce: 2)
        #expect(
            actions(
                &l,
                [
                    .planned([.safe, .afterLook], earlierPending: nil), .sent(index: 0, .refused(busy)),
                    .sent(index: 0, .notSent(reason: "refused", retryable: true)), .sent(index: 0, .refused(busy)),
                ])
                == [
                    .send(index: 0), .send(index: 0), .send(index: 0),
                    .finish(.retry(at: now.addingTimeInterval(1), reason: "Crisp 503 unavailable", status: 503)),
                ])
        // Each operation has its own tries; an event in doubt is looked for before it is sent again.
        var next = lifecycle(retriesAtOnce: 2)
        #expect(
            actions(
                &next,
                [
                    .planned([.safe, .afterLook], earlierPending: nil), .sent(index: 0, .refused(busy)),
                    .sent(index: 0, .done), .marked(index: 1), .sent(index: 1, .inDoubt(doubt)),
                    .looked(index: 1, happened: false), .sent(index: 1, .done),
                ])
                == [
                    .send(index: 0), .send(index: 0), .markInFlight(index: 1), .send(index: 1), .look(index: 1),
                    .send(index: 1), .finish(.delivered(operations: 2)),
                ])
        // A rate limit or a Retry-After is waited out, never tried again at once.
        let limited = DeliveryFailure(reason: "429", status: 429, retryable: true, rateLimited: true)
        var slow = lifecycle(retriesAtOnce: 2)
        #expect(
            actions(&slow, [.planned([.safe], earlierPending: nil), .sent(index: 0, .refused(limited))]).last
                == .finish(.retry(at: now.addingTimeInterval(2), reason: "429", status: 429)))
    }

    @Test func aFailedLookHasItsOwnTriesAtOnceApartFromTheSends() {
        let doubt = DeliveryFailure(reason: "Crisp 500 error", status: 500, retryable: true)
        var l = lifecycle(inFlight: true, retriesAtOnce: 1)
        #expect(
            actions(
                &l,
                [
                    .planned([.afterLook], earlierPending: nil), .lookFailed(index: 0, reason: "Crisp 503"),
                    .looked(index: 0, happened: false), .sent(index: 0, .inDoubt(doubt)),
                    .lookFailed(index: 0, reason: "Crisp 503"),
                ])
                == [
                    .look(index: 0), .look(index: 0), .send(index: 0), .look(index: 0),
                    .finish(
                        .retry(
                            at: now.addingTimeInterval(1), reason: "could not check whether it happened: Crisp 503",
                            status: nil)),
                ])
    }

    @Test func aLookRefusedForTheRateIsNotTriedAgainAtOnce() {
        var l = lifecycle(inFlight: true, retriesAtOnce: 3)
        #expect(
            actions(
                &l,
                [.planned([.afterLook], earlierPending: nil), .lookFailed(index: 0, reason: "429", slowDown: true)])
                == [
                    .look(index: 0),
                    .finish(
                        .retry(
                            at: now.addingTimeInterval(1), reason: "could not check whether it happened: 429",
                            status: nil)),
                ])
    }

    /// Feeds `inputs` in turn; the actions answered.
    func actions(_ l: inout DeliveryLifecycle, _ inputs: [DeliveryInput], at: Date? = nil) -> [DeliveryAction] {
        inputs.map { l.handle($0, now: at ?? now, random: 0) }
    }

    @Test func aPlanIsCarriedOutOperationByOperationItsProgressRecordedWithTheFinish() {
        var l = lifecycle()
        #expect(
            actions(
                &l,
                [.planned([.safe, .safe], earlierPending: nil), .sent(index: 0, .done), .sent(index: 1, .unchanged)])
                == [.send(index: 0), .send(index: 1), .finish(.delivered(operations: 2, unchanged: 1))])
        #expect(l.isEnded)
        #expect(l.event.progress == 2 && !l.event.inFlight, "what the finish records")
        // A failure part-way: the finish records the progress made, so the retry starts after it.
        let busy = DeliveryFailure(reason: "busy", status: 503, retryable: true)
        var partway = lifecycle()
        _ = actions(
            &partway,
            [
                .planned([.safe, .safe, .safe], earlierPending: nil), .sent(index: 0, .done),
                .sent(index: 1, .refused(busy)),
            ])
        #expect(partway.event.progress == 1)
        // Resumed where the last attempt stopped; a plan that shrank below it has nothing left.
        var resumed = lifecycle(progress: 2)
        #expect(
            resumed.handle(.planned([.safe, .safe, .safe], earlierPending: nil), now: now, random: 0) == .send(index: 2)
        )
        var shrunk = lifecycle(progress: 3)
        #expect(
            shrunk.handle(.planned([.safe, .safe], earlierPending: nil), now: now, random: 0)
                == .finish(.delivered(operations: 2)))
    }

    @Test func anOperationThatMustNotRunTwiceIsMarkedInFlightAndLookedForAfterACrash() {
        var l = lifecycle()
        #expect(
            actions(&l, [.planned([.afterLook], earlierPending: nil), .marked(index: 0), .sent(index: 0, .done)])
                == [.markInFlight(index: 0), .send(index: 0), .finish(.delivered(operations: 1))])
        // The next attempt finds it in flight: it looks first; found → done without sending.
        var found = lifecycle(inFlight: true)
        #expect(
            actions(&found, [.planned([.afterLook], earlierPending: nil), .looked(index: 0, happened: true)])
                == [.look(index: 0), .finish(.delivered(operations: 1))])
        #expect(found.event.progress == 1 && !found.event.inFlight)
        var missing = lifecycle(inFlight: true)
        #expect(
            actions(&missing, [.planned([.afterLook], earlierPending: nil), .looked(index: 0, happened: false)])
                == [.look(index: 0), .send(index: 0)])
        // A failed look leaves it in doubt: retried later, the mark kept.
        var failed = lifecycle(inFlight: true)
        #expect(
            actions(&failed, [.planned([.afterLook], earlierPending: nil), .lookFailed(index: 0, reason: "timeout")])
                .last
                == .finish(
                    .retry(
                        at: now.addingTimeInterval(1), reason: "could not check whether it happened: timeout",
                        status: nil)))
    }

    @Test func aCallThatCannotBeCheckedIsNeverSentTwice() {
        var l = lifecycle()
        let doubt = DeliveryFailure(reason: "http: POST x got no answer", retryable: true)
        let ended = actions(
            &l, [.planned([.never], earlierPending: nil), .marked(index: 0), .sent(index: 0, .inDoubt(doubt))])
        guard case .finish(.dead(let reason, _)) = ended.last else {
            Issue.record("not dead: \(ended)")
            return
        }
        #expect(
            reason.contains("it is not sent again (once you have checked the other side, `events replay --from-start`"))
        // Left in flight by a crash: dead at once, without sending.
        var crashed = lifecycle(inFlight: true)
        guard case .finish(.dead) = crashed.handle(.planned([.never], earlierPending: nil), now: now, random: 0) else {
            Issue.record("sent again")
            return
        }
        // Never sent (no connection): nothing is in doubt; the mark is cleared and it is retried.
        var unsent = lifecycle()
        #expect(
            actions(
                &unsent,
                [
                    .planned([.never], earlierPending: nil), .marked(index: 0),
                    .sent(index: 0, .notSent(reason: "pool timeout", retryable: true)),
                ])
                == [
                    .markInFlight(index: 0), .send(index: 0),
                    .finish(.retry(at: now.addingTimeInterval(1), reason: "pool timeout", status: nil)),
                ])
        #expect(!unsent.event.inFlight, "the finish clears the mark")
    }

    @Test func skippedUnplannableAndMissingPipelinesEndAtOnce() {
        var a = lifecycle()
        #expect(a.handle(.skipped(reason: "nobody"), now: now, random: 0) == .finish(.skipped(reason: "nobody")))
        var b = lifecycle()
        #expect(
            b.handle(.unplannable(reason: "gone"), now: now, random: 0) == .finish(.dead(reason: "gone", status: nil)))
        var c = lifecycle()
        guard
            case .finish(.paused(let until, let reason)) = c.handle(.pipelineMissing(name: "csv"), now: now, random: 0)
        else {
            Issue.record("not paused")
            return
        }
        #expect(until == now.addingTimeInterval(60) && reason.contains("no pipeline named csv is loaded here"))
        var d = lifecycle(progress: 1)
        guard
            case .finish(.dead(let why, _)) = d.handle(
                .pipelineVersionGone(name: "p", from: "v1", to: "v2", replayID: 7), now: now, random: 0)
        else {
            Issue.record("not dead")
            return
        }
        #expect(why.contains("crisp-bridge events replay 7 --from-start"))
    }

    @Test func aLaterEventOfAContactWaitsForTheEarlierOneWithoutAnAttempt() {
        var l = lifecycle(attempts: 5)
        #expect(
            l.handle(.planned([.safe], earlierPending: 41), now: now, random: 0)
                == .finish(.waiting(for: 41, until: now.addingTimeInterval(1))))
    }

    @Test func retryableFailuresComeBackWithABackoffThatGrows() {
        let failure = DeliveryFailure(reason: "Crisp 503 unavailable", status: 503, retryable: true)
        var first = lifecycle()
        #expect(
            actions(&first, [.planned([.safe, .safe], earlierPending: nil), .sent(index: 0, .refused(failure))]).last
                == .finish(.retry(at: now.addingTimeInterval(1), reason: "Crisp 503 unavailable", status: 503)))
        var fifth = lifecycle(attempts: 4)
        #expect(
            actions(&fifth, [.planned([.safe], earlierPending: nil), .sent(index: 0, .refused(failure))]).last
                == .finish(.retry(at: now.addingTimeInterval(16), reason: "Crisp 503 unavailable", status: 503)))
        var plan = lifecycle(attempts: 2)
        #expect(
            plan.handle(.planFailed(reason: "fetch 502", retryable: true), now: now, random: 0)
                == .finish(.retry(at: now.addingTimeInterval(4), reason: "fetch 502", status: nil)))
        // The wait the other side asked for is a floor.
        let busy = DeliveryFailure(reason: "busy", status: 503, retryable: true, retryAfter: 60)
        var waited = lifecycle()
        #expect(
            actions(&waited, [.planned([.safe], earlierPending: nil), .sent(index: 0, .refused(busy))]).last
                == .finish(.retry(at: now.addingTimeInterval(60), reason: "busy", status: 503)))
    }

    @Test func anAttemptThatGotFurtherRetriesWithAFreshBackoff() {
        let failure = DeliveryFailure(reason: "Crisp 503 unavailable", status: 503, retryable: true)
        var l = lifecycle(attempts: 6)
        #expect(
            actions(
                &l,
                [
                    .planned([.safe, .safe], earlierPending: nil), .sent(index: 0, .done),
                    .sent(index: 1, .refused(failure)),
                ]
            ).last == .finish(.retry(at: now.addingTimeInterval(1), reason: "Crisp 503 unavailable", status: 503)))
        // The next attempt gets nowhere: the backoff grows with the attempts again.
        var stuck = lifecycle(attempts: 7, progress: 1)
        #expect(
            actions(&stuck, [.planned([.safe, .safe], earlierPending: nil), .sent(index: 1, .refused(failure))]).last
                == .finish(.retry(at: now.addingTimeInterval(128), reason: "Crisp 503 unavailable", status: 503)))
    }

    @Test func aUsedUpQuotaPausesWithoutAnAttemptAndIsNeverDead() {
        let until = now.addingTimeInterval(300)
        // However many attempts and however old the event: a pause, and a mark in flight is cleared (nothing was
        // written).
        var old = lifecycle(attempts: 40, progress: 1, ageFrom: now.addingTimeInterval(-30 * 86_400))
        #expect(
            actions(
                &old,
                [
                    .planned([.safe, .afterLook], earlierPending: nil), .marked(index: 1),
                    .sent(index: 1, .quotaExhausted(reason: "quota", until: until)),
                ])
                == [.markInFlight(index: 1), .send(index: 1), .finish(.paused(until: until, reason: "quota"))])
        #expect(old.event.progress == 1 && !old.event.inFlight)
    }

    @Test func aRateLimitRetriesSoonWithoutGrowingTheBackoff() {
        let limited = DeliveryFailure(reason: "429", status: 429, retryable: true, rateLimited: true)
        var l = lifecycle(attempts: 12)
        #expect(
            actions(&l, [.planned([.safe], earlierPending: nil), .sent(index: 0, .refused(limited))]).last
                == .finish(.retry(at: now.addingTimeInterval(2), reason: "429", status: 429)))
    }

    @Test func anAnswerInDoubtIsRetriedAndLookedForNextTime() {
        // An unreadable 2xx to a Crisp event: the mark stays, the next attempt looks.
        let unreadable = DeliveryFailure(reason: "Crisp 200 invalid_response", status: 200, retryable: true)
        var l = lifecycle()
        #expect(
            actions(
                &l,
                [.planned([.afterLook], earlierPending: nil), .marked(index: 0), .sent(index: 0, .inDoubt(unreadable))]
            )
            .last == .finish(.retry(at: now.addingTimeInterval(1), reason: "Crisp 200 invalid_response", status: 200)))
    }

    @Test func permanentFailuresAreDeadAtOnceWithTheirReason() {
        let invalid = DeliveryFailure(reason: "Crisp 400 invalid_data", status: 400, retryable: false)
        var l = lifecycle(progress: 2)
        #expect(
            actions(&l, [.planned([.safe, .safe, .safe], earlierPending: nil), .sent(index: 2, .refused(invalid))]).last
                == .finish(.dead(reason: "Crisp 400 invalid_data", status: 400)))
        var plan = lifecycle()
        #expect(
            plan.handle(.planFailed(reason: "x.yaml:3:5: email is missing", retryable: false), now: now, random: 0)
                == .finish(.dead(reason: "x.yaml:3:5: email is missing", status: nil)))
    }

    @Test func anEventPastItsAgeLimitIsDeadAndAReplayGivesAFreshLimit() {
        let failure = DeliveryFailure(reason: "Crisp 503 unavailable", status: 503, retryable: true)
        let late = received.addingTimeInterval(25 * 3600)
        var l = lifecycle(attempts: 30)
        #expect(
            actions(&l, [.planned([.safe], earlierPending: nil), .sent(index: 0, .refused(failure))], at: late).last
                == .finish(.dead(reason: "gave up after 31 attempts: Crisp 503 unavailable", status: 503)))
        // replayed an hour ago: its age counts from the replay, so a 503 is retried, not dead
        var replayed = lifecycle(attempts: 30, ageFrom: late.addingTimeInterval(-3600))
        guard
            case .finish(.retry) = actions(
                &replayed, [.planned([.safe], earlierPending: nil), .sent(index: 0, .refused(failure))], at: late
            ).last
        else {
            Issue.record("a replayed event died on its first 503")
            return
        }
    }

    @Test func aLostLeaseStopsTheAttemptWithNothingRecordedAndNothingSent() {
        var l = lifecycle()
        _ = l.handle(.planned([.safe, .safe], earlierPending: nil), now: now, random: 0)
        guard case .abandon = l.handle(.leaseLost, now: now, random: 0) else {
            Issue.record("went on")
            return
        }
        // Whatever comes after (a late result): still abandoned.
        guard case .abandon = l.handle(.sent(index: 0, .done), now: now, random: 0) else {
            Issue.record("went on after abandoning")
            return
        }
    }

    @Test func httpAnswersAreClassifiedByWhetherTheyMayHaveHappened() {
        #expect(SendResult.answered(status: 201, reason: "", retryAfter: nil) == .done)
        for status in [500, 502, 504] {
            guard case .inDoubt = SendResult.answered(status: status, reason: "", retryAfter: nil) else {
                Issue.record("\(status) not in doubt")
                continue
            }
        }
        guard case .refused(let busy) = SendResult.answered(status: 503, reason: "", retryAfter: 5) else {
            Issue.record("503 not refused")
            return
        }
        #expect(busy.retryable && busy.retryAfter == 5)
        guard case .refused(let limited) = SendResult.answered(status: 429, reason: "", retryAfter: nil) else {
            Issue.record("429 not refused")
            return
        }
        #expect(limited.retryable && limited.rateLimited)
        guard case .refused(let bad) = SendResult.answered(status: 422, reason: "", retryAfter: nil) else {
            Issue.record("422 not refused")
            return
        }
        #expect(!bad.retryable)
        guard
            case .refused(let crisp) = SendResult.answered(
                status: 422, reason: "", retryAfter: nil, retryableStatuses: [420, 422])
        else {
            Issue.record("422 not refused")
            return
        }
        #expect(crisp.retryable)
    }
}
