import BridgeCore
import BridgeStore
import Foundation
import Testing

/// `crisp-bridge diff` as an operator runs it: the example pipelines against a changed copy, over the whole
/// recordings folder, and over the requests a store kept.
extension ProcessTests {
    @Suite struct DiffCommandTests {
        static let pipelines =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path + "/pipelines"

        /// A copy of an example pipeline in `folder` with one text replaced (it must occur).
        static func changedCopy(_ name: String, in folder: String, replacing: String, with replacement: String)
            throws -> String
        {
            let text = try String(contentsOfFile: "\(pipelines)/\(name).yaml", encoding: .utf8)
            #expect(text.contains(replacing), "\(name).yaml no longer has \(replacing)")
            let copy = "\(folder)/\(name).yaml"
            try text.replacingOccurrences(of: replacing, with: replacement).write(
                toFile: copy, atomically: true, encoding: .utf8)
            return copy
        }

        /// Runs `crisp-bridge diff` on the HubSpot example and `new`, over every recording; its exit status and output.
        static func diffHubSpot(against new: String) async throws -> (Int32, String) {
            let recordings = pipelines + "/recordings"
            let diff = try ChildProcess([
                "diff", pipelines + "/hubspot-contact-created.yaml", new, "--recordings", recordings,
                "--env", "HUBSPOT_CLIENT_SECRET=demo-client-secret-0000", "--public-url", "https://bridge.example.com",
                "--fetch", "contact=\(recordings)/hubspot/contact-94528173401.json",
                "--fetch", "contact=\(recordings)/hubspot/contact-94528173402.json",
            ])
            defer { diff.stop() }
            let status = try await diff.waitForExit()
            return (status, diff.output)
        }

        @Test func aChangedMappingPrintsOnlyThatFieldAndExitsZero() async throws {
            let folder = NSTemporaryDirectory() + "crisp-bridge-diff-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let new = try Self.changedCopy(
                "hubspot-contact-created", in: folder, replacing: "lifecycle_stage: ${{ props.lifecyclestage }}",
                with: "lifecycle_stage: ${{ upper(props.lifecyclestage) }}")
            let (status, output) = try await Self.diffHubSpot(against: new)
            #expect(status == 0, "\(output)")
            let lines = output.split(separator: "\n").map(String.init)
            #expect(lines.last == "3 events: 2 changed, 1 same, 0 newly failing", "\(output)")
            #expect(
                output.contains(
                    """
                    CHANGED \(Self.pipelines)/recordings/hubspot/contact-creation.yaml › event 1 (3817294012)
                        event 1, operation 2 › crisp.data.merge.lifecycle_stage
                            before: "lead"
                            after:  "LEAD"
                    """), "\(output)")
            // Exactly the changed field, once per changed event: nothing else is printed as a difference.
            #expect(lines.filter { $0.hasPrefix("        before:") }.count == 2, "\(output)")
            #expect(
                lines.filter { $0.hasPrefix("    event ") }.allSatisfy {
                    $0.hasSuffix("crisp.data.merge.lifecycle_stage")
                })
            #expect(output.contains("recording(s) of other routes left out"), "\(output)")
        }

        @Test func aNewlyFailingEventExitsOne() async throws {
            let folder = NSTemporaryDirectory() + "crisp-bridge-diff-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let new = try Self.changedCopy(
                "hubspot-contact-created", in: folder, replacing: "email: email(props.email)",
                with: "email: email(props.company)")
            let (status, output) = try await Self.diffHubSpot(against: new)
            #expect(status == 1, "\(output)")
            #expect(output.split(separator: "\n").last == "3 events: 0 changed, 1 same, 2 newly failing", "\(output)")
            #expect(
                output.contains("NEWLY FAILING \(Self.pipelines)/recordings/hubspot/contact-creation.yaml › event 2"))
            #expect(output.contains("email is missing"), "\(output)")
        }

        @Test func storedRequestsOfThePipelineArePlannedWithBothVersions() async throws {
            let folder = NSTemporaryDirectory() + "crisp-bridge-diff-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let storePath = folder + "/bridge.sqlite"
            let store = try SQLiteBridgeStore(path: storePath)
            let recordings = Self.pipelines + "/recordings"
            let person = try Data(contentsOf: URL(fileURLWithPath: recordings + "/pipedrive/person-added.json"))
            let contacts = try Data(contentsOf: URL(fileURLWithPath: recordings + "/hubspot/contact-creation.json"))
            // As intake stores them: credentials redacted. Three Pipedrive requests, one HubSpot batch.
            for i in 1...3 {
                _ = try await store.accept(
                    IncomingRequest(
                        pipeline: "pipedrive-person-added",
                        webhook: WebhookRequest(
                            path: "/hooks/pipedrive",
                            headers: ["content-type": "application/json", "authorization": "[redacted]"],
                            body: person)),
                    events: [.init(index: 0, dedupeID: "person-\(i)")])
            }
            _ = try await store.accept(
                IncomingRequest(
                    pipeline: "hubspot-contact-created",
                    webhook: WebhookRequest(
                        path: "/hooks/hubspot", headers: ["content-type": "application/json"], body: contacts)),
                events: [.init(index: 0, dedupeID: "h1"), .init(index: 1, dedupeID: "h2")])

            let pipedrive = try Self.changedCopy(
                "pipedrive-person-added", in: folder, replacing: "text: Added in Pipedrive",
                with: "text: Added from Pipedrive")
            let diff = try ChildProcess([
                "diff", Self.pipelines + "/pipedrive-person-added.yaml", pipedrive, "--store", "sqlite:" + storePath,
                "--last", "2",
            ])
            defer { diff.stop() }
            #expect(try await diff.waitForExit() == 0, "\(diff.output)")
            #expect(diff.output.split(separator: "\n").last == "2 events: 2 changed, 0 same, 0 newly failing")
            #expect(
                diff.output.contains("CHANGED stored request 2 › event 1 (3c8e5f21-77b4-4d0a-9a61-5e2f8d3b7c90)"),
                "\(diff.output)")
            #expect(diff.output.contains("CHANGED stored request 3 › event 1"), "\(diff.output)")
            #expect(!diff.output.contains("stored request 1 "), "--last 2 takes the two newest")
            #expect(diff.output.contains("event 1, operation 3 › crisp.event.text"), "\(diff.output)")

            // The HubSpot request's fetch was not recorded: not comparable without --fetch, compared with it.
            let hubspot = try ChildProcess([
                "diff", Self.pipelines + "/hubspot-contact-created.yaml",
                Self.pipelines + "/hubspot-contact-created.yaml", "--store", "sqlite:" + storePath,
            ])
            defer { hubspot.stop() }
            #expect(try await hubspot.waitForExit() == 0, "\(hubspot.output)")
            #expect(
                hubspot.output.split(separator: "\n").last
                    == "2 events: 0 changed, 0 same, 0 newly failing, 2 without a fetch answer", "\(hubspot.output)")
            #expect(hubspot.output.contains("no recorded answer for fetch 'contact'"), "\(hubspot.output)")
            let answered = try ChildProcess([
                "diff", Self.pipelines + "/hubspot-contact-created.yaml",
                Self.pipelines + "/hubspot-contact-created.yaml", "--store", "sqlite:" + storePath, "--fetch",
                "contact=\(recordings)/hubspot/contact-94528173401.json",
            ])
            defer { answered.stop() }
            #expect(try await answered.waitForExit() == 0, "\(answered.output)")
            #expect(answered.output.split(separator: "\n").last == "2 events: 0 changed, 2 same, 0 newly failing")
        }
    }
}
