import ArgumentParser
import BridgeRuntime
import BridgeStore

/// `crisp-bridge migrate`: bring a store's schema up to date (serve also does it when it starts).
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or update the store's schema (serve does it at start; several at once take turns).")

    @OptionGroup var store: Events.StoreOption

    func run() async throws {
        let opened: any BridgeStore
        do {
            opened = try await Bridge.openStore(store.spec, create: true, poolSize: 1)
        } catch {
            DiagnosticPrinter.printError("\(error)")
            throw ExitCode.failure
        }
        let name = StoreURL.redacted(store.spec)
        if let postgres = opened as? PostgresBridgeStore {
            let applied = postgres.appliedMigrations
            print(
                applied.isEmpty
                    ? "\(name): the schema is up to date"
                    : "\(name): applied schema step\(applied.count == 1 ? "" : "s") \(applied.map(String.init).joined(separator: ", "))"
            )
            postgres.shutdown()
        } else {
            print("\(name): the schema is up to date")
        }
    }
}
