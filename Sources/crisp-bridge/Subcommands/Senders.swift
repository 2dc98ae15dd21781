import ArgumentParser
import BridgeCore
import BridgeRuntime
import BridgeStore
import Foundation

/// `crisp-bridge senders`: the sender kinds `verify:` takes, and the secrets senders handed over in handshakes.
struct Senders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the senders verify: knows, or print a secret a sender handed over in a handshake.",
        subcommands: [List.self, Token.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The senders and their settings.")

        func run() async throws {
            for name in SenderRegistry.builtins.names {
                guard let sender = SenderRegistry.builtins[name] else { continue }
                var line = name.padding(toLength: 18, withPad: " ", startingAt: 0)
                line += sender.settings.map { sender.requiredSettings.contains($0) ? $0 + "*" : $0 }
                    .joined(separator: " ")
                if let id = sender.defaultID { line += "   (id: \(id))" }
                print(line)
            }
            print("* required. Details: docs/senders/")
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "List the verification tokens senders (Notion) handed over to PIPELINE, with when and from where; --trust TOKEN makes the one you name the pipeline's key.",
            discussion: """
                Anyone who knows the pipeline's URL can send a handshake, so every token kept is listed, newest \
                first, with the time and the address it came from. Paste the one Notion shows for your \
                subscription into its Verify dialog, then trust exactly that one: `--trust secret_…`.
                """)
        @OptionGroup var store: Events.StoreOption
        @Argument(help: "The pipeline's name.")
        var pipeline: String
        @Option(
            name: .customLong("trust"),
            help: ArgumentHelp(
                "Trust this token (named in full): while the pipeline's verification_token is empty, it verifies the events.",
                valueName: "token"))
        var trust: String?

        @Option(help: "The folder of pipelines, to check that PIPELINE takes handshakes.")
        var pipelines = "pipelines"

        /// Why PIPELINE cannot have handshake tokens, when the folder says so (nil when it may, or the folder does
        /// not load).
        func notAHandshakePipeline() -> String? {
            let loaded = PipelineLoader.load(paths: [pipelines])
            guard !loaded.pipelines.isEmpty else { return nil }
            let takers = loaded.pipelines.filter { $0.trigger.sender.usesHandshakeSecrets }.map(\.name).sorted()
            guard let found = loaded.pipelines.first(where: { $0.name == pipeline }) else {
                return
                    "no pipeline named '\(pipeline)' in \(pipelines) (pipelines whose sender hands over a token: \(takers.isEmpty ? "none" : takers.joined(separator: ", ")))"
            }
            let sender = found.trigger.sender
            return sender.usesHandshakeSecrets
                ? nil
                : "pipeline '\(pipeline)' verifies with \(sender.name), which hands over no token in a handshake (only notion does)"
        }

        func run() async throws {
            if let problem = notAHandshakePipeline() {
                DiagnosticPrinter.printError(problem)
                throw ExitCode.failure
            }
            let store = try await store.open()
            let kept = try await store.handshakeSecrets(pipeline: pipeline)
            guard !kept.isEmpty else {
                DiagnosticPrinter.printError(
                    "no handshake has reached pipeline '\(pipeline)' yet (is serve running with this --store, and was the subscription created?)"
                )
                throw ExitCode.failure
            }
            if let trust {
                guard kept.contains(where: { $0.secret == trust }),
                    try await store.trustHandshakeSecret(pipeline: pipeline, secret: trust)
                else {
                    DiagnosticPrinter.printError(
                        "no token '\(TokenList.masked(trust))' was handed over to pipeline '\(pipeline)': name one of the \(kept.count) listed by `crisp-bridge senders token \(pipeline)` in full"
                    )
                    throw ExitCode.failure
                }
                let others = kept.filter { $0.secret != trust }.count
                FileHandle.standardError.write(
                    Data(
                        "now trusted: events signed with it are accepted (while verification_token is empty)\(others > 0 ? "; the \(others) other token(s) are not" : "")\n"
                            .utf8))
                return
            }
            print(TokenList.render(kept))
            if !kept.contains(where: \.trusted) {
                FileHandle.standardError.write(
                    Data(
                        "(none trusted: after pasting the one your subscription shows into Notion, run `crisp-bridge senders token \(pipeline) --trust TOKEN`)\n"
                            .utf8))
            } else if kept.first?.trusted == false {
                FileHandle.standardError.write(
                    Data(
                        "(a token newer than the trusted one arrived: trust it only if you recreated the subscription; check its address)\n"
                            .utf8))
            }
        }
    }
}
