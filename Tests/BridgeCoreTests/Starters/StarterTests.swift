import Foundation
import Testing

@testable import BridgeCore

/// What `crisp-bridge init` writes passes `validate` and `test` as written, for every starter.
@Suite struct StarterTests {
    @Test func everyBuiltInSenderHasAStarter() {
        let senders = Set(
            StarterCatalog.all.flatMap { starter in
                starter.files(named: starter.pipeline).compactMap { file -> String? in
                    guard file.path == "\(starter.pipeline).yaml" else { return nil }
                    return loadPipeline(file.text).0?.trigger.sender.name
                }
            })
        #expect(senders.isSuperset(of: SenderRegistry.builtins.names), "\(senders)")
    }

    @Test(arguments: StarterCatalog.all.map(\.name))
    func aStarterPassesValidateAndTestAsWritten(_ name: String) async throws {
        let starter = try #require(StarterCatalog.starter(named: name))
        for pipelineName in [starter.pipeline, "my-\(name)"] {
            let folder = try temporaryFolder() + "/pipelines"
            let written = try starter.write(named: pipelineName, into: folder)
            #expect(written.contains("\(folder)/\(pipelineName).yaml"))
            #expect(FileManager.default.fileExists(atPath: folder + "/../schema/pipeline.schema.json"))
            let loaded = PipelineLoader.load(paths: [folder])
            #expect(loaded.diagnostics.filter { $0.severity == .error }.isEmpty, "\(loaded.diagnostics)")
            #expect(loaded.pipelines.map(\.name) == [pipelineName])
            let report = await TestRunner.run(paths: [folder])
            #expect(report.diagnostics.filter { $0.severity == .error }.isEmpty, "\(report.diagnostics)")
            #expect(report.results.count >= 1)
            #expect(
                report.failed == 0,
                "\(report.results.filter { !$0.passed }.map { "\($0.name): \($0.differences) \($0.problem ?? "") \($0.refusal ?? "")" })"
            )
        }
    }

    @Test func startersFromExamplesAreTheExamplesAsTheyAreNow() throws {
        for starter in StarterCatalog.all {
            guard let example = starter.example else { continue }
            let onDisk = try String(contentsOfFile: Paths.pipelines + "/\(example).yaml", encoding: .utf8)
            let pipeline = starter.files(named: starter.pipeline).first { $0.path == "\(example).yaml" }
            #expect(
                pipeline?.text == onDisk,
                "the \(starter.name) starter is stale: run python3 scripts/generate-starters.py")
        }
    }

    @Test func googleSheetsComesWithItsAppsScript() throws {
        let starter = try #require(StarterCatalog.starter(named: "google-sheets"))
        let script = try #require(starter.files(named: "leads").first { $0.path == "leads.gs" })
        #expect(script.text.contains("webhook-signature"))
        #expect(script.text.contains("function setup()"))
    }

    @Test func itNeverOverwritesADifferentFileAndRefusesBadNames() throws {
        let starter = try #require(StarterCatalog.starter(named: "stripe"))
        let folder = try temporaryFolder() + "/pipelines"
        _ = try starter.write(named: "billing", into: folder)
        #expect(try starter.write(named: "billing", into: folder).isEmpty, "the same files again: nothing to write")
        try "name: mine\n".write(toFile: folder + "/billing.yaml", atomically: true, encoding: .utf8)
        #expect(throws: BridgeCoreError.self) { try starter.write(named: "billing", into: folder) }
        #expect(try String(contentsOfFile: folder + "/billing.yaml", encoding: .utf8) == "name: mine\n")
        #expect(try starter.write(named: "billing", into: folder, force: true) == [folder + "/billing.yaml"])
        #expect(throws: BridgeCoreError.self) { try starter.write(named: "../escape", into: folder) }
        #expect(StarterCatalog.starter(named: "query-key")?.name == "query_key")
    }
}
