import Testing

@testable import BridgeCore

/// What of an operation still needs writing, given what crisp-bridge last wrote to the contact.
@Suite struct CrispOperationChangesTests {
    let email = "ada@example.com"

    /// `written` after `operation` went through on a contact with `before`.
    func after(_ operation: CrispOperation, _ before: WrittenFields = WrittenFields()) -> WrittenFields {
        var written = before
        written.apply(operation.changes(against: before).written)
        return written
    }

    @Test func aNewContactWritesEverything() {
        let profile = CrispOperation.profile(ProfileUpsert(email: email, person: ["nickname": "Ada"]))
        let (operation, written) = profile.changes(against: WrittenFields())
        #expect(operation == profile)
        #expect(written["profile"] == "1")
        #expect(written["person.nickname"] == "\"Ada\"")
    }

    @Test func unchangedValuesAreCutAndNothingLeftIsSkipped() {
        let data = CrispOperation.data(DataUpdate(email: email, mode: .merge, data: ["plan": "pro", "seats": 3]))
        let known = after(data)
        #expect(data.changes(against: known).operation == nil)
        let changed = CrispOperation.data(DataUpdate(email: email, mode: .merge, data: ["plan": "team", "seats": 3]))
        #expect(
            changed.changes(against: known).operation
                == .data(DataUpdate(email: email, mode: .merge, data: ["plan": "team"])))
        let profile = CrispOperation.profile(
            ProfileUpsert(email: email, person: ["nickname": "Ada"], segments: ["vip"]))
        let withProfile = after(profile, known)
        #expect(profile.changes(against: withProfile).operation == nil)
        let renamed = CrispOperation.profile(
            ProfileUpsert(email: email, person: ["nickname": "Ada L"], segments: ["vip"]))
        #expect(
            renamed.changes(against: withProfile).operation
                == .profile(ProfileUpsert(email: email, person: ["nickname": "Ada L"])))
    }

    @Test func unsetAndReplaceCompareWithWhatWasWritten() {
        let merge = CrispOperation.data(DataUpdate(email: email, mode: .merge, data: ["a": 1, "b": 2]))
        var known = after(merge)
        let unset = CrispOperation.data(DataUpdate(email: email, mode: .merge, data: [:], unset: ["b"]))
        #expect(unset.changes(against: known).operation == unset)
        known = after(unset, known)
        #expect(known["data.b"] == WrittenFields.unsetDigest)
        #expect(unset.changes(against: known).operation == nil, "a key already unset is not unset again")
        let replace = CrispOperation.data(DataUpdate(email: email, mode: .replace, data: ["a": 1]))
        #expect(replace.changes(against: known).operation == nil, "the stored keys are exactly these")
        let wider = CrispOperation.data(DataUpdate(email: email, mode: .replace, data: ["a": 1, "c": 3]))
        #expect(wider.changes(against: known).operation == wider, "a replace is sent whole when anything differs")
    }

    @Test func segmentsAndEvents() {
        let add = CrispOperation.segments(SegmentsUpdate(email: email, add: ["vip"], remove: ["trial"]))
        let known = after(add)
        #expect(add.changes(against: known).operation == nil)
        let back = CrispOperation.segments(SegmentsUpdate(email: email, add: ["trial"]))
        #expect(back.changes(against: known).operation == back)
        let event = CrispOperation.event(ProfileEvent(email: email, text: "Signed up"))
        #expect(event.changes(against: after(event)).operation == event, "each event is posted")
    }

    @Test func longValuesAreHashed() {
        let digest = WrittenFields.digest(.string(String(repeating: "x", count: 200)))
        #expect(digest.hasPrefix("sha256:") && digest.count == 39)
        #expect(WrittenFields.digest(.string(String(repeating: "x", count: 200))) == digest)
        #expect(WrittenFields.digest(.string(String(repeating: "y", count: 200))) != digest)
    }

    @Test func forceSendsEverythingAndStillRecordsWhatAReplaceRemoves() {
        let merge = CrispOperation.data(DataUpdate(email: email, mode: .merge, data: ["plan": "pro", "seats": 3]))
        let known = after(merge, after(.profile(ProfileUpsert(email: email))))
        #expect(merge.changes(against: known).operation == nil)
        #expect(merge.changes(against: known, force: true).operation == merge, "forced: the whole operation")
        let replace = CrispOperation.data(DataUpdate(email: email, mode: .replace, data: ["plan": "pro"]))
        let (sent, written) = replace.changes(against: known, force: true)
        #expect(sent == replace)
        #expect(written["data.seats"] == .some(WrittenFields.unsetDigest), "the removed key is recorded as unset")
        var after = known
        after.apply(written)
        #expect(replace.changes(against: after).operation == nil, "an unforced repeat is then unchanged")
        let profile = CrispOperation.profile(ProfileUpsert(email: email))
        #expect(profile.changes(against: after).operation == nil)
        #expect(profile.changes(against: after, force: true).operation == profile)
    }
}
