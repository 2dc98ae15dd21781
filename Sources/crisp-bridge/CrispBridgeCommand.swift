import ArgumentParser

/// `crisp-bridge`: webhook pipelines into Crisp's contacts.
@main
struct CrispBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crisp-bridge",
        abstract: "Webhook pipelines into Crisp's contacts (the people API).",
        version: BridgeVersion.current,
        subcommands: [
            Serve.self, Events.self, Validate.self, Test.self, Plan.self, Eval.self, Functions.self, Sandbox.self,
            Senders.self, Migrate.self, Quota.self, Import.self, Poll.self, Schema.self, Diff.self, Init.self,
            Zoho.self,
        ]
    )
}

enum BridgeVersion {
    static let current = "0.1.0"
}
