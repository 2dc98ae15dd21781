import ArgumentParser
import BridgeCore

/// `crisp-bridge schema [pipeline|test]`: the JSON Schema of pipeline files or test files, for editors.
struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the JSON Schema of pipeline files (default) or test files, for editor completion.",
        discussion: """
            The schemas under schema/ are this output. Point an editor at one with a first line such as
              # yaml-language-server: $schema=../schema/pipeline.schema.json
            """)

    @Argument(help: "pipeline or test.")
    var document: FormatSchema.Document = .pipeline

    func run() throws {
        print(FormatSchema.text(of: document), terminator: "")
    }
}

extension FormatSchema.Document: ExpressibleByArgument {}
