import ArgumentParser
import BridgeCore
import Foundation

/// `crisp-bridge init SENDER [--name NAME]`: a starter pipeline, its test file with a recorded request, and what
/// the sender needs besides (the Apps Script for Google Sheets).
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a starter pipeline for a sender, with its test file and a recorded request.",
        discussion: """
            Without SENDER, lists the starters. What it writes passes `crisp-bridge validate` and
            `crisp-bridge test` as written; then change the mapping, record real requests with
            `serve --record`, and add them as test cases.
            """)

    @Argument(help: "The sender (see the list without it), e.g. hubspot, stripe, google-sheets, hmac.")
    var sender: String?

    @Option(help: "The pipeline's name and file name (default: the starter's).")
    var name: String?

    @Option(help: "The folder of pipelines to write into.")
    var pipelines = "pipelines"

    @Flag(help: "Replace files that exist.")
    var force = false

    func run() throws {
        guard let sender else {
            print("starters (crisp-bridge init SENDER [--name NAME]):")
            let width = StarterCatalog.all.map(\.name.count).max() ?? 0
            for starter in StarterCatalog.all {
                print("  \(starter.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(starter.summary)")
            }
            return
        }
        guard let starter = StarterCatalog.starter(named: sender) else {
            DiagnosticPrinter.printError(
                "no starter for '\(sender)'; starters: \(StarterCatalog.all.map(\.name).joined(separator: ", "))")
            throw ExitCode.failure
        }
        let name = self.name ?? starter.pipeline
        let written: [String]
        do {
            written = try starter.write(named: name, into: pipelines, force: force)
        } catch {
            DiagnosticPrinter.printError(error.message)
            throw ExitCode.failure
        }
        for path in written { print("wrote \(path)") }
        if written.isEmpty { print("nothing to write: the starter's files are there as it has them") }
        let folder = PipelineLoader.load(paths: [pipelines])
        for clash in folder.diagnostics where clash.message.hasPrefix("duplicate") {
            DiagnosticPrinter.printError("\(clash.summary) (rename it or change the path before serving both)")
        }
        let (loaded, _) = PipelineLoader.load(file: "\(pipelines)/\(name).yaml")
        let variables = Set(loaded?.environmentReferences.map(\.name) ?? []).sorted()
        print("")
        print("next:")
        print("  crisp-bridge test \(pipelines)/\(name).test.yaml     # passes as written (demo secrets in its env:)")
        if !variables.isEmpty {
            print("  set \(variables.joined(separator: ", ")) for serve (the test file has demo values)")
        }
        if let path = loaded?.trigger.path, !path.isEmpty {
            print("  point the sender at https://<your host>\(path) (another path: edit trigger.webhook.path)")
        }
    }
}
