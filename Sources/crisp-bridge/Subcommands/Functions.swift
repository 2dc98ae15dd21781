import ArgumentParser
import BridgeCore

/// `crisp-bridge functions`: the expression functions with their examples, as Markdown.
struct Functions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the expression functions, with examples (Markdown; docs/functions.md is this output).")

    func run() throws {
        print(FunctionRegistry.builtins.markdown, terminator: "")
    }
}
