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
                "Print the newest verification token a sender (Notion) handed over to PIPELINE, to paste back into the sender; --trust makes it the pipeline's key."
        )
        @OptionGroup var store: Events.StoreOption
        @Argument(help: "The pipeline's name.")
        var pipeline: String
        @Flag(help: "Trust this token: while the pipeline's verification_token is empty, it verifies the events.")
        var trust = false

        func run() async throws {
            let store = try await store.open()
            let kept = try await store.handshakeSecrets(pipeline: pipeline)
            guard let newest = kept.first else {
                DiagnosticPrinter.printError(
                    "no handshake has reached pipeline '\(pipeline)' yet (is serve running with this --store, and was the subscription created?)"
                )
                throw ExitCode.failure
            }
            print(newest.secret)
            var note = newest.trusted ? "trusted" : "not trusted"
            if trust, !newest.trusted {
                _ = try await store.trustHandshakeSecret(pipeline: pipeline, secret: newest.secret)
                note = "now trusted: events signed with it are accepted (while verification_token is empty)"
            } else if !newest.trusted {
                note += "; after pasting it into Notion, run again with --trust"
            }
            if kept.count > 1 { note += "; \(kept.count - 1) other token(s) kept" }
            FileHandle.standardError.write(Data("(\(note))\n".utf8))
        }
    }
}
