import Foundation
import Testing

@testable import BridgeCore

/// Drives `DeliveryLifecycle` with random sequences — plans of random operations, random results (Crisp's quota
/// used up among them), crashes, lost leases, failed looks, clock jumps and replays — against a model of the
/// store and of the other side, and checks the delivery promises on every step. Seeded: a failure prints the seed that replays it.
///
/// `DELIVERY_PROPERTY_SEQUENCES` sets how many sequences run (`scripts/property-check` runs 200,000).
@Suite struct DeliveryLifecycleProperties {
    static var sequences: Int {
        ProcessInfo.processInfo.environment["DELIVERY_PROPERTY_SEQUENCES"].flatMap(Int.init) ?? 20_000
    }

    @Test func everySequenceKeepsTheDeliveryPromises() {
        var steps = 0
        for seed in 0..<UInt64(Self.sequences) {
            var simulation = Simulation(seed: seed, lifecycle: DeliveryLifecycle(schedule: Self.schedule))
            let result = simulation.run()
            steps += simulation.steps
            if let violation = result {
                Issue.record("seed \(seed): \(violation)")
                return
            }
        }
        print("delivery lifecycle properties: \(Self.sequences) sequences, \(steps) steps")
        // Every sequence ran several steps (one that delivers at once: send, save, finish).
        #expect(steps >= Self.sequences * 3, "\(steps) steps")
    }

    /// The check finds a lifecycle that sends an operation in doubt again without looking first.
    @Test func aLifecycleThatResendsWithoutALookIsCaught() {
        let caught = Self.firstViolation { ResendingWithoutLook(schedule: Self.schedule) }
        #expect(caught?.contains("without a look") == true, "\(caught ?? "no violation found")")
    }

    /// The check finds a lifecycle that goes on sending after the lease is lost.
    @Test func aLifecycleThatIgnoresALostLeaseIsCaught() {
        let caught = Self.firstViolation { IgnoringLostLease(schedule: Self.schedule) }
        #expect(caught?.contains("lease") == true, "\(caught ?? "no violation found")")
    }

    /// The check finds a lifecycle that retries within Crisp's quota pause instead of waiting for the probe.
    @Test func aLifecycleThatRetriesWithinTheQuotaPauseIsCaught() {
        let caught = Self.firstViolation { RetryingWithinTheQuotaPause(schedule: Self.schedule) }
        #expect(caught?.contains("quota pause") == true, "\(caught ?? "no violation found")")
    }

    /// The first broken promise in up to 2,000 sequences of the lifecycle `make` gives.
    static func firstViolation<L: LifecycleUnderTest>(_ make: () -> L) -> String? {
        for seed in 0..<UInt64(2_000) {
            var simulation = Simulation(seed: seed, lifecycle: make())
            if let violation = simulation.run() { return violation }
        }
        return nil
    }

    static let schedule = RetrySchedule(initialDelay: 1, maxDelay: 3600, giveUpAfter: 86_400, jitter: 0.2)
}

/// What the simulation drives: the real lifecycle, or a broken variant of it.
protocol LifecycleUnderTest {
    /// How far the attempt got, as a finish records it.
    var event: DeliveryLifecycle.Event { get }
    mutating func start(_ event: DeliveryLifecycle.Event)
    mutating func handle(_ input: DeliveryInput, now: Date, random: Double) -> DeliveryAction
}

extension DeliveryLifecycle: LifecycleUnderTest {}

/// Broken on purpose: sends an operation in doubt again instead of looking whether it happened.
struct ResendingWithoutLook: LifecycleUnderTest {
    var inner: DeliveryLifecycle
    var event: DeliveryLifecycle.Event { inner.event }
    init(schedule: RetrySchedule) { inner = DeliveryLifecycle(schedule: schedule) }
    mutating func start(_ event: DeliveryLifecycle.Event) { inner.start(event) }
    mutating func handle(_ input: DeliveryInput, now: Date, random: Double) -> DeliveryAction {
        let action = inner.handle(input, now: now, random: random)
        guard case .look(let index) = action else { return action }
        _ = inner.handle(.looked(index: index, happened: false), now: now, random: random)
        return .send(index: index)
    }
}

/// Broken on purpose: takes no notice of a lost lease.
struct IgnoringLostLease: LifecycleUnderTest {
    var inner: DeliveryLifecycle
    var pending: DeliveryAction?
    var event: DeliveryLifecycle.Event { inner.event }
    init(schedule: RetrySchedule) { inner = DeliveryLifecycle(schedule: schedule) }
    mutating func start(_ event: DeliveryLifecycle.Event) {
        inner.start(event)
        pending = nil
    }
    mutating func handle(_ input: DeliveryInput, now: Date, random: Double) -> DeliveryAction {
        if input == .leaseLost, let pending { return pending }
        let action = inner.handle(input, now: now, random: random)
        pending = action
        return action
    }
}

/// Broken on purpose: retries a second later when Crisp's quota is used up, instead of pausing until the probe.
struct RetryingWithinTheQuotaPause: LifecycleUnderTest {
    var inner: DeliveryLifecycle
    var event: DeliveryLifecycle.Event { inner.event }
    init(schedule: RetrySchedule) { inner = DeliveryLifecycle(schedule: schedule) }
    mutating func start(_ event: DeliveryLifecycle.Event) { inner.start(event) }
    mutating func handle(_ input: DeliveryInput, now: Date, random: Double) -> DeliveryAction {
        let action = inner.handle(input, now: now, random: random)
        guard case .finish(.paused(_, let reason)) = action else { return action }
        return .finish(.retry(at: now.addingTimeInterval(1), reason: reason, status: 423))
    }
}

extension SplitMix64 {
    init(seed: UInt64) { self.init(state: seed) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

/// One event through many attempts: the store's row, the other side's record of what took effect, and the
/// lifecycle under test, with faults injected at random.
struct Simulation<Lifecycle: LifecycleUnderTest> {
    enum Status { case pending, done, dead }

    var random: SplitMix64
    var lifecycle: Lifecycle
    let operations: [OperationRepeat]
    // The store's row.
    var progress = 0
    var inFlight = false
    var status = Status.pending
    var attempts = 0
    var ageFrom = Date(timeIntervalSince1970: 1_000_000)
    var now = Date(timeIntervalSince1970: 1_000_000)
    // The other side: how many times each operation took effect, and whether it may have (unknown to us).
    var tookEffect: [Int]
    /// Per operation: a send's result left it in doubt, and no look since said it did not happen.
    var inDoubt: [Bool]
    /// Operations answered `unchanged` (their values were already there).
    var unchanged: [Bool]
    var steps = 0

    init(seed: UInt64, lifecycle: Lifecycle) {
        var random = SplitMix64(seed: seed)
        self.lifecycle = lifecycle
        let count = Int.random(in: 1...5, using: &random)
        let kinds: [OperationRepeat] = [.safe, .safe, .afterLook, .never]
        var operations: [OperationRepeat] = []
        for _ in 0..<count { operations.append(kinds[Int.random(in: 0..<kinds.count, using: &random)]) }
        self.operations = operations
        self.random = random
        tookEffect = Array(repeating: 0, count: count)
        inDoubt = Array(repeating: false, count: count)
        unchanged = Array(repeating: false, count: count)
    }

    /// Runs attempts until the event is final: a stormy phase with every fault, then a calm one in which the
    /// event must end. Returns the first broken promise, if any.
    mutating func run() -> String? {
        for attempt in 0..<60 {
            let calm = attempt >= 40
            if let violation = attemptOnce(calm: calm) { return violation }
            if status == .dead, !calm, random.chance(0.3) {
                // An operator replays it: it resumes from its progress, with a fresh age limit.
                status = .pending
                ageFrom = now
            }
            if status != .pending { break }
            now.addTimeInterval(random.chance(0.05) ? 30 * 3600 : Double.random(in: 0...120, using: &random))
        }
        guard status != .pending else { return "the event never ended (progress \(progress), in flight \(inFlight))" }
        if status == .done, let missing = tookEffect.indices.first(where: { tookEffect[$0] == 0 && !unchanged[$0] }) {
            return "delivered, but operation \(missing) never took effect"
        }
        return nil
    }

    /// One attempt; a violated promise is returned.
    mutating func attemptOnce(calm: Bool) -> String? {
        lifecycle.start(.init(attempts: attempts, ageFrom: ageFrom, progress: progress, inFlight: inFlight))
        var action = lifecycle.handle(.planned(operations, earlierPending: nil), now: now, random: 0)
        var leaseLost = false
        while true {
            steps += 1
            if !calm && random.chance(0.04) { return nil }  // a crash: nothing more of this attempt happens
            if !calm && !leaseLost && random.chance(0.03) {
                leaseLost = true
                let answer = lifecycle.handle(.leaseLost, now: now, random: 0)
                if case .abandon = answer {
                    return nil
                }
                action = answer
            }
            switch action {
            case .markInFlight(let index):
                if leaseLost { return "marked in flight after the lease was lost" }
                if let broken = record(progress: index) { return broken }
                inFlight = true
                action = lifecycle.handle(.marked(index: index), now: now, random: 0)
            case .look(let index):
                if !(inFlight && index == progress) { return "looked for \(index) with nothing in flight there" }
                if !calm && random.chance(0.2) {
                    action = lifecycle.handle(.lookFailed(index: index, reason: "timeout"), now: now, random: 0)
                } else {
                    let happened = tookEffect[index] > 0
                    if !happened { inDoubt[index] = false }
                    action = lifecycle.handle(.looked(index: index, happened: happened), now: now, random: 0)
                }
            case .send(let index):
                if leaseLost { return "sent operation \(index) after the lease was lost" }
                if index < progress {
                    return "sent operation \(index), which the recorded progress (\(progress)) says is done"
                }
                let kind = operations[index]
                if kind != .safe {
                    if inDoubt[index] || tookEffect[index] > 0 {
                        return "sent operation \(index) (\(kind)) again without a look that said it did not happen"
                    }
                    if !(inFlight && progress == index) {
                        return "sent operation \(index) (\(kind)) without marking it in flight"
                    }
                }
                let result = sendResult(index, calm: calm)
                action = lifecycle.handle(.sent(index: index, result), now: now, random: 0)
                // A send refused for the quota was the one probe of its interval: nothing more is sent before the
                // next probe is due (the event is paused until then, not retried sooner).
                if case .quotaExhausted(_, let nextProbe) = result {
                    guard case .finish(.paused(let until, _)) = action, until >= nextProbe else {
                        return "went on within Crisp's quota pause (next probe at \(nextProbe)): \(action)"
                    }
                }
            case .finish(let outcome):
                if leaseLost { return "finished after the lease was lost" }
                let standing = lifecycle.event
                if standing.inFlight && !(inFlight && progress == standing.progress) {
                    return "finished with operation \(standing.progress) in flight, but no mark was recorded for it"
                }
                if let broken = record(progress: standing.progress) { return broken }
                inFlight = standing.inFlight
                switch outcome {
                case .delivered:
                    if progress != operations.count {
                        return "delivered with progress \(progress) of \(operations.count)"
                    }
                    status = .done
                case .dead: status = .dead
                case .retry: attempts += 1
                case .paused, .waiting: break
                case .skipped, .carried: return "an outcome this plan cannot have: \(outcome)"
                }
                let again = lifecycle.handle(.marked(index: 0), now: now, random: 0)
                if again != action { return "the attempt went on after it finished: \(again)" }
                return nil
            case .abandon(let reason):
                return leaseLost ? nil : "abandoned without a lost lease: \(reason)"
            }
        }
    }

    /// Records `saved` as the progress (a mark or a finish): it never moves backwards, nor past an operation
    /// that did not take effect.
    mutating func record(progress saved: Int) -> String? {
        if saved < progress { return "progress moved backwards: \(progress) → \(saved)" }
        if let missing = (progress..<saved).first(where: { tookEffect[$0] == 0 && !unchanged[$0] }) {
            return "progress moved past operation \(missing), which never took effect"
        }
        progress = saved
        return nil
    }

    /// What the other side does with a send: in the calm phase everything goes through.
    mutating func sendResult(_ index: Int, calm: Bool) -> SendResult {
        let failure = DeliveryFailure(reason: "x", status: 503, retryable: true)
        let roll = calm ? 0 : Int.random(in: 0..<10, using: &random)
        switch roll {
        case 0, 1, 2, 3:
            if operations[index] == .safe && random.chance(0.3) {
                unchanged[index] = true
                return .unchanged
            }
            tookEffect[index] += 1
            return .done
        case 4: return .refused(failure)
        case 5: return .refused(DeliveryFailure(reason: "bad", status: 400, retryable: false))
        case 6: return .notSent(reason: "refused connection", retryable: true)
        case 7: return .quotaExhausted(reason: "quota", until: now.addingTimeInterval(300))
        default:
            // No answer: it took effect or not, nobody knows.
            if random.chance(0.5) { tookEffect[index] += 1 }
            inDoubt[index] = true
            return .inDoubt(failure)
        }
    }
}
