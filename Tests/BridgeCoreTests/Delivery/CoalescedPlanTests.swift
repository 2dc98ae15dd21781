import Testing

@testable import BridgeCore

/// Several queued events of one contact become one write per route, with the values running them one after
/// the other would leave, and every Crisp event once.
@Suite struct CoalescedPlanTests {
    let ada = "ada@example.com"

    @Test func fiveUpdatesBecomeOneWritePerRouteWithTheLastValues() {
        let plans: [(event: Int64, operations: [CrispOperation])] = (1...5).map { n in
            (
                Int64(n),
                [
                    .profile(ProfileUpsert(email: ada, person: ["nickname": .string("Ada \(n)")], segments: ["s\(n)"])),
                    .data(DataUpdate(email: ada, mode: .merge, data: ["step": .number(Double(n)), "k\(n)": true])),
                    .event(ProfileEvent(email: ada, text: "changed \(n)")),
                ]
            )
        }
        let merged = CoalescedPlan(plans)
        #expect(
            merged.writes == [
                .profile(
                    ProfileUpsert(
                        email: ada, person: ["nickname": "Ada 5"], segments: ["s1", "s2", "s3", "s4", "s5"])),
                .data(
                    DataUpdate(
                        email: ada, mode: .merge,
                        data: ["step": 5, "k1": true, "k2": true, "k3": true, "k4": true, "k5": true])),
            ])
        #expect(
            merged.events.map(\.operation) == (1...5).map { .event(ProfileEvent(email: ada, text: "changed \($0)")) })
        #expect(merged.events.map(\.source) == (1...5).map { CoalescedPlan.Source(event: Int64($0), index: 2) })
    }

    @Test func onlyPlansWithTheirWritesBeforeTheirEventsMayJoin() {
        let profile = CrispOperation.profile(ProfileUpsert(email: ada, person: ["nickname": "Ada"]))
        let event = CrispOperation.event(ProfileEvent(email: ada, text: "changed"))
        #expect(CoalescedPlan.eventsStart(of: [profile, event, event]) == 1)
        #expect(CoalescedPlan.eventsStart(of: [profile]) == 1)
        #expect(CoalescedPlan.eventsStart(of: [event]) == 0)
        #expect(CoalescedPlan.eventsStart(of: [event, profile]) == nil, "a write after an event")
    }

    @Test func unsetAndSetOfOneKeyFollowTheOrder() {
        let merged = CoalescedPlan([
            (1, [.data(DataUpdate(email: ada, mode: .merge, data: ["a": 1, "b": 1]))]),
            (2, [.data(DataUpdate(email: ada, mode: .merge, data: [:], unset: ["a"]))]),
            (3, [.data(DataUpdate(email: ada, mode: .merge, data: ["c": 1], unset: ["b"]))]),
            (4, [.data(DataUpdate(email: ada, mode: .merge, data: ["b": 2]))]),
        ])
        #expect(merged.writes == [.data(DataUpdate(email: ada, mode: .merge, data: ["b": 2, "c": 1], unset: ["a"]))])
    }

    @Test func aReplaceDropsWhatCameBeforeIt() {
        let merged = CoalescedPlan([
            (1, [.data(DataUpdate(email: ada, mode: .merge, data: ["a": 1]))]),
            (2, [.data(DataUpdate(email: ada, mode: .replace, data: ["b": 1]))]),
            (3, [.data(DataUpdate(email: ada, mode: .merge, data: ["c": 1], unset: ["b"]))]),
        ])
        #expect(merged.writes == [.data(DataUpdate(email: ada, mode: .replace, data: ["c": 1]))])
    }

    @Test func segmentRemovalsKeepTheirOwnWriteAndTheLastChangeWins() {
        let merged = CoalescedPlan([
            (1, [.profile(ProfileUpsert(email: ada, segments: ["lead", "trial"]))]),
            (2, [.segments(SegmentsUpdate(email: ada, add: ["customer"], remove: ["lead"]))]),
            (3, [.segments(SegmentsUpdate(email: ada, add: ["lead"], remove: ["trial"]))]),
        ])
        #expect(
            merged.writes == [
                .profile(ProfileUpsert(email: ada)),
                .segments(SegmentsUpdate(email: ada, add: ["lead", "customer"], remove: ["trial"])),
            ])
        let onlyAdded = CoalescedPlan([
            (1, [.profile(ProfileUpsert(email: ada, company: ["name": "Acme"]))]),
            (2, [.segments(SegmentsUpdate(email: ada, add: ["vip"]))]),
            (3, [.profile(ProfileUpsert(email: ada, company: ["url": "acme.io"], notepad: "n"))]),
        ])
        #expect(
            onlyAdded.writes == [
                .profile(
                    ProfileUpsert(
                        email: ada, company: ["name": "Acme", "url": "acme.io"], segments: ["vip"], notepad: "n"))
            ], "additions ride on the profile upsert")
    }

    @Test func eachEmailKeepsItsOwnWrites() {
        let bob = "bob@example.com"
        let merged = CoalescedPlan([
            (1, [.data(DataUpdate(email: ada, mode: .merge, data: ["a": 1]))]),
            (2, [.data(DataUpdate(email: bob, mode: .merge, data: ["a": 2]))]),
            (3, [.data(DataUpdate(email: "ADA@example.com", mode: .merge, data: ["b": 3]))]),
        ])
        #expect(
            merged.writes == [
                .data(DataUpdate(email: ada, mode: .merge, data: ["a": 1, "b": 3])),
                .data(DataUpdate(email: bob, mode: .merge, data: ["a": 2])),
            ])
    }
}
