import BridgeCore
import Foundation
import Testing

/// `import --sandbox` beside a running `serve --sandbox` on the default store, as a new user runs them: the
/// serve started before the import's pipeline existed. The serve never claims the import's rows (it lacks the
/// pipeline), and the import delivers to the serve's sandbox instead of running a second one on the same file.
extension ProcessTests {
    @Suite struct ImportBesideServeTests {
        static let pipeline = """
            name: course-customers-csv
            trigger:
              csv: { columns: [email, course] }
            actions:
              - crisp.profile: { email: "${{ email(event.email) }}" }
              - crisp.data: { email: "${{ email(event.email) }}", merge: { course: "${{ event.course }}" } }
            """

        @Test func importAndServeShareTheStoreAndOneSandboxAndEveryValidRowArrivesOnceAtCrispsPace() async throws {
            let folder = NSTemporaryDirectory() + "crisp-bridge-beside-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let serve = try ChildProcess(
                [
                    "serve", "--sandbox", "--port", "0", "--sandbox-port", "0", "--pipelines",
                    ImportProcessTests.pipelines,
                ],
                workingDirectory: folder)
            defer { serve.stop() }
            let sandboxURL = try await serve.waitFor(
                #"using the built-in Crisp sandbox at (http://127\.0\.0\.1:\d+/v1/)"#)
            _ = try await serve.waitFor("crisp-bridge listening on")

            try Self.pipeline.write(toFile: folder + "/course-customers-csv.yaml", atomically: true, encoding: .utf8)
            var csv = "email,course\n"
            var valid: Set<String> = []
            for i in 0..<300 {
                let email = i % 10 == 3 ? "student\(i)-at-example.com" : "student\(i)@example.com"
                if i % 10 != 3 { valid.insert(email) }
                csv += "\(email),swift-\(i % 4)\n"
            }
            try csv.write(toFile: folder + "/customers.csv", atomically: true, encoding: .utf8)
            let started = ContinuousClock.now
            let importer = try ChildProcess(
                ["import", "customers.csv", "--sandbox", "--pipeline", "course-customers-csv.yaml"],
                workingDirectory: folder)
            // 270 new contacts at 20 requests/s (2 each) take 27 s alone; sharing cost 670 s before.
            let status = try await importer.waitForExit(timeout: .seconds(180))
            let took = ContinuousClock.now - started
            #expect(status == 2, "30 rows are rejected: \(importer.output.suffix(2000))")
            #expect(took < .seconds(90), "\(took): the import waited for the serve (\(importer.output.suffix(1500)))")
            #expect(importer.output.contains("using the built-in Crisp sandbox that another crisp-bridge"))
            #expect(importer.output.contains("270 delivered"), "\(importer.output.suffix(1500))")
            #expect(!serve.output.contains("no pipeline named course-customers-csv"), "the serve never claimed one")

            let people = try await RuntimeHarness.sandboxPeople(at: sandboxURL)
            #expect(Set(people.keys) == valid, "one sandbox holds exactly the valid rows (\(people.count))")
            #expect(people["student0@example.com"]?.data == ["course": "swift-0"])
            // The serve owns the sandbox's file: stopped, it has written every profile there, and only it did.
            serve.signal(SIGTERM)
            _ = try await serve.waitForExit()
            let state = try JSONValue.parse(
                Data(contentsOf: URL(fileURLWithPath: folder + "/.crisp-bridge/sandbox.json")))
            let emails = Set((state["profiles"].arrayValue ?? []).compactMap { $0["email"].stringValue })
            #expect(emails == valid)
        }
    }
}
