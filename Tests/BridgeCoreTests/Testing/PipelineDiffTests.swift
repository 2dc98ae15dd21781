import Foundation
import Testing

@testable import BridgeCore

/// `crisp-bridge diff`'s logic on the example HubSpot pipeline and its real recordings: an unchanged copy, a
/// changed mapping, a change that makes events fail, and one that makes `when` skip an event.
@Suite struct PipelineDiffTests {
    static let pipeline = Paths.pipelines + "/hubspot-contact-created.yaml"
    static let recordings = Paths.pipelines + "/recordings/hubspot"
    static let environment = ["HUBSPOT_CLIENT_SECRET": "demo-client-secret-0000", "HUBSPOT_TOKEN": "test-token"]

    /// The recorded answers of the HubSpot case: one contact per event of the batch, in order.
    static func contacts(_ names: [String] = ["contact-94528173401", "contact-94528173402"]) throws -> [FetchResponse] {
        try names.map {
            FetchResponse(status: 200, body: try Data(contentsOf: URL(fileURLWithPath: "\(recordings)/\($0).json")))
        }
    }

    /// A copy of the HubSpot pipeline in `folder`, with `replacing` replaced by `with` (which must occur).
    static func changedCopy(in folder: String, replacing: String, with replacement: String) throws -> String {
        let text = try String(contentsOfFile: pipeline, encoding: .utf8)
        #expect(replacing.isEmpty || text.contains(replacing), "the pipeline no longer has \(replacing)")
        let copy = folder + "/hubspot-contact-created.yaml"
        try (replacing.isEmpty ? text : text.replacingOccurrences(of: replacing, with: replacement)).write(
            toFile: copy, atomically: true, encoding: .utf8)
        return copy
    }

    /// Diffs the example pipeline against a changed copy over the HubSpot recordings (signatures checked).
    static func diff(replacing: String = "", with replacement: String = "", answers: [FetchResponse]? = nil)
        async throws -> PipelineDiff.Report
    {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let copy = try changedCopy(in: folder, replacing: replacing, with: replacement)
        let before = try #require(PipelineLoader.load(file: pipeline).0)
        let after = try #require(PipelineLoader.load(file: copy).0)
        var diff = PipelineDiff(
            before: before, after: after, environment: environment, publicURL: "https://bridge.example.com")
        diff.fetches = ["contact": try answers ?? contacts()]
        let found = diff.recordings(at: [recordings])
        #expect(found.diagnostics.isEmpty, "\(found.diagnostics)")
        #expect(
            found.inputs.map { ($0.name as NSString).lastPathComponent } == [
                "contact-creation.yaml", "property-change.yaml",
            ])
        return await diff.run(found.inputs)
    }

    @Test func anUnchangedPipelineGivesOnlySameEvents() async throws {
        let report = try await Self.diff()
        #expect(report.events.count == 3)  // two contact creations, one property change skipped by `when`
        #expect(report.events.allSatisfy { $0.change == .same && $0.differences.isEmpty }, "\(report.events)")
        #expect(report.requests.allSatisfy { $0.change == .compared })
        #expect(!report.somethingNewlyFails)
        #expect(report.summary == "3 events: 0 changed, 3 same, 0 newly failing")
    }

    @Test func aChangedMappingReportsExactlyThatFieldOfEachEvent() async throws {
        let report = try await Self.diff(
            replacing: "hubspot_id: ${{ string(event.objectId) }}", with: "hubspot_id: hs-${{ string(event.objectId) }}"
        )
        #expect(report.summary == "3 events: 2 changed, 1 same, 0 newly failing")
        let changed = report.events.filter { $0.change == .changed }
        #expect(changed.map(\.index) == [0, 1])
        #expect(changed.map(\.id) == ["3817294012", "3817294013"])
        let differences = changed.flatMap(\.differences)
        #expect(
            differences.map(\.place) == [
                "event 1, operation 2 › crisp.data.merge.hubspot_id",
                "event 2, operation 2 › crisp.data.merge.hubspot_id",
            ])
        #expect(differences.map(\.expected) == ["94528173401", "94528173402"])
        #expect(differences.map(\.actual) == ["hs-94528173401", "hs-94528173402"])
        #expect(
            differences[0].description(expected: "before", actual: "after")
                == "event 1, operation 2 › crisp.data.merge.hubspot_id\n    before: \"94528173401\"\n    after:  \"hs-94528173401\""
        )
        #expect(!report.somethingNewlyFails)
    }

    @Test func anEventThatPlannedAndNowFailsIsNewlyFailing() async throws {
        // The email now comes from a field that holds no email: every planned event fails.
        let report = try await Self.diff(replacing: "email: email(props.email)", with: "email: email(props.firstname)")
        #expect(report.summary == "3 events: 0 changed, 1 same, 2 newly failing")
        #expect(report.somethingNewlyFails)
        let failing = report.events.filter { $0.change == .newlyFailing }
        #expect(failing.map(\.index) == [0, 1])
        let difference = try #require(failing.first?.differences.first)
        #expect(difference.place == "event 1")
        #expect(difference.expected?.arrayValue?.count == 3)  // the three operations it planned before
        let reason = try #require(difference.actual?["failed"].stringValue)
        #expect(reason.contains("email is missing"), "\(reason)")
    }

    @Test func anEventNewlySkippedByWhenIsCountedApart() async throws {
        let report = try await Self.diff(
            replacing: #"when: event.subscriptionType == "contact.creation""#,
            with: #"when: event.subscriptionType == "contact.creation" && event.objectId != 94528173402"#)
        #expect(report.summary == "3 events: 0 changed, 2 same, 0 newly failing, 1 newly skipped")
        let skipped = try #require(report.events.first { $0.change == .newlySkipped })
        #expect(skipped.index == 1)
        #expect(skipped.differences.map(\.place) == ["event 2"])
        #expect(skipped.differences.first?.actual == "skipped")
        #expect(!report.somethingNewlyFails)
    }

    @Test func failuresOfBothVersionsCompareWithoutTheirFilesPlaces() async throws {
        // The second contact has no email: it fails in both versions, at a place in each one's own file (lines
        // moved by a comment), and is the same; a fix of the first event's mapping is reported.
        let report = try await Self.diff(
            replacing: "\nfetch:", with: "\n# a comment that moves every line below\nfetch:",
            answers: try Self.contacts(["contact-94528173401", "contact-no-email"]))
        #expect(report.summary == "3 events: 0 changed, 3 same, 0 newly failing")
        let failed = try #require(report.requests.first?.events.last?.after)
        guard case .failed(let reason, _) = failed.status else {
            Issue.record("the event without an email should fail, got \(failed.status)")
            return
        }
        #expect(reason.contains("hubspot-contact-created.yaml:"))
    }

    @Test func recordingsOfServeRecordCarryTheirFetchAnswersAndOtherRoutesAreLeftOut() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/rec/hubspot", withIntermediateDirectories: true)
        let body = try String(contentsOfFile: Self.recordings + "/contact-creation.json", encoding: .utf8)
        try body.write(toFile: folder + "/rec/hubspot/body.json", atomically: true, encoding: .utf8)
        for name in ["contact-94528173401", "contact-no-email"] {
            try FileManager.default.copyItem(
                atPath: "\(Self.recordings)/\(name).json", toPath: "\(folder)/rec/hubspot/\(name).json")
        }
        // As `serve --record` writes it: verified at intake (credentials redacted), with the fetch answers.
        try """
        method: POST
        path: /hooks/hubspot
        received_at: 2025-06-12T09:41:09Z
        verified: true
        headers: { content-type: application/json, x-hubspot-signature-v3: redacted }
        body_file: body.json
        fetch:
          contact:
            - { status: 200, body_file: contact-94528173401.json }
            - { status: 200, body_file: contact-no-email.json }
        """.write(toFile: folder + "/rec/hubspot/recorded.yaml", atomically: true, encoding: .utf8)
        for (from, to) in [("person-added.yaml", "other-route.yaml"), ("person-added.json", "person-added.json")] {
            try FileManager.default.copyItem(
                atPath: Paths.pipelines + "/recordings/pipedrive/" + from, toPath: folder + "/rec/" + to)
        }
        let copy = try Self.changedCopy(
            in: folder, replacing: "email: email(props.email)",
            with: #"email: email(props.email) ?? "nobody@example.com""#)
        let before = try #require(PipelineLoader.load(file: Self.pipeline).0)
        let after = try #require(PipelineLoader.load(file: copy).0)
        let diff = PipelineDiff(before: before, after: after, environment: [:])  // no secret: not checked again
        let found = diff.recordings(at: [folder + "/rec"])
        #expect(found.diagnostics.isEmpty, "\(found.diagnostics)")
        #expect(found.otherRoutes == [folder + "/rec/other-route.yaml"])
        #expect(found.inputs.map(\.name) == [folder + "/rec/hubspot/recorded.yaml"])
        #expect(found.inputs.first?.verified == true)
        #expect(found.inputs.first?.fetches["contact"]?.count == 2)
        let report = await diff.run(found.inputs)
        // The contact without an email failed before and has the default now.
        #expect(report.summary == "2 events: 0 changed, 1 same, 0 newly failing, 1 fixed")
        let fixed = try #require(report.events.last)
        #expect(fixed.change == .fixed)
        #expect(fixed.differences.first?.expected?["failed"].stringValue?.contains("email is missing") == true)
    }

    @Test func anEventWhoseFetchHasNoAnswerIsNotCompared() async throws {
        let before = try #require(PipelineLoader.load(file: Self.pipeline).0)
        var diff = PipelineDiff(before: before, after: before, environment: Self.environment)
        diff.verifySignatures = false
        let report = await diff.run(diff.recordings(at: [Self.recordings + "/contact-creation.yaml"]).inputs)
        #expect(report.summary == "2 events: 0 changed, 0 same, 0 newly failing, 2 without a fetch answer")
        #expect(report.events.allSatisfy { $0.differences.isEmpty })
        #expect(report.events.first?.unansweredFetch?.contains("no recorded answer for fetch 'contact'") == true)
        #expect(!report.somethingNewlyFails)
    }

    @Test func aRequestTheNewVersionRefusesIsNewlyRefused() async throws {
        let report = try await Self.diff(
            replacing: "client_secret: ${{ env.HUBSPOT_CLIENT_SECRET }}", with: "client_secret: another-secret")
        #expect(report.events.isEmpty)
        #expect(report.requests.map(\.change) == [.newlyRefused, .newlyRefused])
        #expect(report.summary == "0 events: 0 changed, 0 same, 0 newly failing, 2 requests newly refused")
        #expect(report.somethingNewlyFails)
    }
}
