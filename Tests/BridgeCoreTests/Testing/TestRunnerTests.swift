import Foundation
import Testing

@testable import BridgeCore

@Suite struct TestRunnerTests {
    /// A copy of pipelines/ in a temporary folder, so tests can change files.
    func copyOfPipelines() throws -> String {
        let folder = try temporaryFolder()
        try FileManager.default.copyItem(atPath: Paths.pipelines, toPath: folder + "/pipelines")
        return folder + "/pipelines"
    }

    /// The cases the test files in `folder` hold, counted from their text (each case starts with `- name:`).
    static func casesWritten(in folder: String) throws -> Int {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".test.yaml") }
        return try files.reduce(0) { count, file in
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            return count + text.split(separator: "\n").filter { $0.hasPrefix("  - name:") }.count
        }
    }

    @Test func theExamplePipelinesPassEveryCaseTheirFilesHold() async throws {
        let report = await TestRunner.run(paths: [Paths.pipelines])
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        #expect(
            report.failed == 0,
            "\(report.results.filter { !$0.passed }.map { "\($0.name): \($0.differences) \($0.problem ?? "")" })")
        let written = try Self.casesWritten(in: Paths.pipelines)
        #expect(written >= 130)
        #expect(report.passed == written, "every case written is run and passes")
        for file in ["hubspot-contact-created", "google-sheets-row", "pipedrive-person-added"] {
            #expect(report.results.filter { $0.file.hasSuffix("\(file).test.yaml") }.count >= 4, "\(file)")
        }
    }

    /// Replaces `of` with `with` in a copy of `name` in pipelines/, and runs that file.
    func runChanged(
        _ name: String, _ changes: [(of: String, with: String)]
    ) async throws -> (TestRunner.Report, String) {
        let folder = try copyOfPipelines()
        let file = folder + "/" + name
        var text = try String(contentsOfFile: file, encoding: .utf8)
        for change in changes {
            #expect(text.contains(change.of), "\(change.of)")
            text = text.replacingOccurrences(of: change.of, with: change.with)
        }
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return (await TestRunner.run(paths: [file]), (folder as NSString).deletingLastPathComponent)
    }

    @Test func aRefusedRequestSaysWhyAndNamesTheVariableMissingFromEnv() async throws {
        let (report, folder) = try await runChanged(
            "zapier-webhook.test.yaml", [("  ZAPIER_WEBHOOK_SECRET:", "  SOMETHING_ELSE:")])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let failure = try #require(report.results.first { $0.name == "a wrong key is refused" })
        #expect(!failure.passed, "refused for the unset secret, not for the wrong key")
        #expect(failure.actual["rejected"] == 401)
        #expect(failure.differences.map(\.place) == ["reason"], "\(failure.differences)")
        let refusal = try #require(failure.refusal)
        #expect(refusal.hasPrefix("refused 401: header: setting 'value' is empty"), "\(refusal)")
        #expect(refusal.hasSuffix("(not in the test's env: ZAPIER_WEBHOOK_SECRET)"), "\(refusal)")
        #expect(report.results.filter { $0.actual["rejected"] != .null }.allSatisfy { !$0.passed })
    }

    @Test func aBareRefusalFailsWhenTheCaseLeavesAVerifySettingEmpty() async throws {
        let (report, folder) = try await runChanged(
            "zapier-webhook.test.yaml",
            [
                ("  ZAPIER_WEBHOOK_SECRET:", "  SOMETHING_ELSE:"),
                (
                    #"expect: { rejected: 401, reason: "header: x-bridge-key does not match the secret" }"#,
                    "expect: { rejected: 401 }"
                ),
            ])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let failure = try #require(report.results.first { $0.name == "a wrong key is refused" })
        #expect(!failure.passed)
        #expect(failure.differences.isEmpty)
        #expect(failure.problem?.contains("verify setting(s) value are empty with the test's env") == true)
        // --update does not write the set-up's refusal down as the expectation (it would then pass).
        try ExpectationWriter.update(report.results)
        let again = await TestRunner.run(paths: [report.results[0].file])
        #expect(again.results.first { $0.name == "a wrong key is refused" }?.passed == false)
    }

    @Test func aRefusalReasonMatchesExactlyOrByPart() async throws {
        let exact = #"expect: { rejected: 401, reason: "header: no x-bridge-key header" }"#
        for (written, passes) in [
            (#"expect: { rejected: 401, reason: { contains: "no x-bridge-key" } }"#, true),
            (#"expect: { rejected: 401, reason: { contains: "does not match" } }"#, false),
            (#"expect: { rejected: 401, reason: "header: no x-bridge-key" }"#, false),
            ("expect: { rejected: 401 }", true),
            (#"expect: { rejected: 400, reason: "header: no x-bridge-key header" }"#, false),
        ] {
            let (report, folder) = try await runChanged("zapier-webhook.test.yaml", [(exact, written)])
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let result = try #require(report.results.first { $0.name == "no key is refused" })
            #expect(result.passed == passes, "\(written): \(result.differences)")
        }
    }

    /// `expect_warnings:` holds the case to the values its plan left out: whole texts or parts, in order, and as
    /// many as there are; a case without it passes and shows them.
    @Test func expectedWarningsMatchExactlyOrByPartAndInNumber() async throws {
        let written = #"      - { contains: "'612 34 56 78' is not a valid phone number for region GB" }"#
        let whole = #"      - "phone: '612 34 56 78' is not a valid phone number for region GB; the value is left out""#
        for (replacement, passes) in [
            (written, true),
            (whole, true),
            (#"      - { contains: "'612 34 56 78' is not a valid phone number for region FR" }"#, false),
            (#"      - "phone: '612 34 56 78'""#, false),
            ("", false),  // one warning fewer than given
            (written + "\n" + written, false),  // one more
        ] {
            let (report, folder) = try await runChanged("google-sheets-poll.test.yaml", [(written, replacement)])
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let result = try #require(report.results.first { $0.name.hasPrefix("rows above the cursor") })
            #expect(result.passed == passes, "\(replacement): \(result.differences)")
            #expect(result.warnings.count == 2)
            if !passes { #expect(result.differences.contains { $0.place == "warnings" }, "\(result.differences)") }
        }
    }

    @Test func aWrongExpectationFailsWithADiffAtTheDifferingField() async throws {
        let folder = try copyOfPipelines()
        defer { try? FileManager.default.removeItem(atPath: (folder as NSString).deletingLastPathComponent) }
        let file = folder + "/google-sheets-row.test.yaml"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try text.replacingOccurrences(of: "sheet_row: 42", with: "sheet_row: 41").write(
            toFile: file, atomically: true, encoding: .utf8)

        let report = await TestRunner.run(paths: [file])
        #expect(report.failed == 1)
        let failure = try #require(report.results.first { !$0.passed })
        #expect(failure.name == "a new row becomes a Crisp contact")
        #expect(failure.differences.count == 1)
        let difference = try #require(failure.differences.first)
        #expect(difference.place == "event 1, operation 2 › crisp.data.merge.sheet_row")
        #expect(difference.expected == 41)
        #expect(difference.actual == 42)
        #expect(difference.description.contains("expected: 41\n    actual:   42"))
    }

    @Test func updateRewritesOnlyTheExpectationsAndKeepsComments() async throws {
        let folder = try copyOfPipelines()
        defer { try? FileManager.default.removeItem(atPath: (folder as NSString).deletingLastPathComponent) }
        let file = folder + "/hubspot-contact-created.test.yaml"
        let original = try String(contentsOfFile: file, encoding: .utf8)
        // Break two expectations and drop a third, then let --update write them back.
        var broken = original.replacingOccurrences(
            of: "text: Created in HubSpot, color: orange }", with: "text: Created, color: red }")
        broken = broken.replacingOccurrences(of: "    expect:\n      - skipped\n", with: "")
        try broken.write(toFile: file, atomically: true, encoding: .utf8)

        let before = await TestRunner.run(paths: [file])
        #expect(before.failed == 3)
        #expect(before.results.contains { $0.problem?.contains("no expect: written") == true })
        try ExpectationWriter.update(before.results)

        let after = await TestRunner.run(paths: [file])
        #expect(after.failed == 0, "\(after.results.filter { !$0.passed }.map { "\($0.name) \($0.differences)" })")
        #expect(after.passed == before.results.count)
        let updated = try String(contentsOfFile: file, encoding: .utf8)
        #expect(updated.contains("# HubSpot v3 signs the public URL it called"))
        #expect(updated.contains("# one recorded answer per event, in order"))
        #expect(updated.contains("- name: a contact deleted before the fetch fails the event, not the batch"))
        #expect(!updated.contains("color: red"))
        // Cases that passed keep their expectations exactly as written.
        #expect(updated.contains("expect:\n      contains:\n        - { failed: \"answered 404\" }"))
    }

    @Test func problemsInTestFilesAreReportedWithTheirPlace() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try """
        pipeline: missing.yaml
        cases:
          - name: one
            request: { path: /x, body: "{}" }
            expekt: []
        """.write(toFile: folder + "/bad.test.yaml", atomically: true, encoding: .utf8)
        let report = await TestRunner.run(paths: [folder])
        let messages = report.diagnostics.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(
            messages.contains { $0.hasPrefix("1:11 pipeline file") && $0.contains("does not exist") }, "\(messages)")
        #expect(
            messages.contains { $0.hasPrefix("5:5 unknown key 'expekt'") && $0.contains("did you mean 'expect'?") },
            "\(messages)")
        #expect(report.failed == 1)
    }

    @Test func subsetExpectationsIgnoreExtraFieldsAndOperations() {
        let actual: JSONValue = [
            [
                ["crisp.profile": ["email": "a@x.io", "segments": ["a"]]],
                ["crisp.event": ["email": "a@x.io", "text": "t"]],
            ]
        ]
        #expect(
            JSONDiff.differences(expected: [[["crisp.event": ["text": "t"]]]], actual: actual, subset: true).isEmpty)
        #expect(
            !JSONDiff.differences(expected: [[["crisp.event": ["text": "u"]]]], actual: actual, subset: true).isEmpty)
        #expect(
            !JSONDiff.differences(expected: [[["crisp.event": ["text": "t"]]]], actual: actual, subset: false).isEmpty)
    }
}
