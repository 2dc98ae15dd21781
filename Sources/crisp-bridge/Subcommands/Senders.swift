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
                "Print the verification token a sender (Notion) handed over to PIPELINE, newest first, to paste back into the sender."
        )
        @OptionGroup var store: Events.StoreOption
        @Argument(help: "The pipeline's name.")
        var pipeline: String

        func run() async throws {
            let secrets = try await store.open().handshakeSecrets(pipeline: pipeline)
            guard let newest = secrets.first else {
                DiagnosticPrinter.printError(
                    "no handshake has reached pipeline '\(pipeline)' yet (is serve running with this --store, and was the subscription created?)"
                )
                throw ExitCode.failure
            }
            print(newest)
            if secrets.count > 1 {
                FileHandle.standardError.write(Data("(\(secrets.count - 1) older token(s) kept too)\n".utf8))
            }
        }
    }
}
