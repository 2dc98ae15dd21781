import ArgumentParser
import BridgeCore
import BridgeRuntime
import Foundation

/// `crisp-bridge zoho`: Zoho CRM's Notification API channel of a `zoho` pipeline.
struct Zoho: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Zoho CRM: register or renew a pipeline's Notification API channel.",
        subcommands: [Watch.self])

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register (or renew) the Notification API channel of PIPELINE: POST /crm/v7/actions/watch.",
            discussion: """
                The channel's channel_id and token are the pipeline's verify.zoho settings; notify_url is the public
                URL (--public-url, else BRIDGE_PUBLIC_URL) + the pipeline's path (+ ?PARAMETER=VALUE when it checks
                a parameter). Zoho's API domain is ZOHO_API_DOMAIN (default https://www.zohoapis.com), the OAuth
                token ZOHO_ACCESS_TOKEN (scope ZohoCRM.notifications.ALL), the events ZOHO_WATCH_EVENTS
                (comma-separated, default Leads.create). The channel is asked for a week less an hour (Zoho's most);
                serve renews it a day before it expires.
                """)

        @Argument(help: "The pipeline (its name in --pipelines).")
        var pipeline: String

        @Option(help: "The folder of pipelines.")
        var pipelines = "pipelines"

        @Option(help: "The public base URL Zoho calls (default: BRIDGE_PUBLIC_URL).")
        var publicURL: String?

        @Flag(help: "Print the request's body (token redacted) and send nothing.")
        var dryRun = false

        func run() async throws {
            let loaded = PipelineLoader.load(paths: [pipelines])
            let errors = loaded.diagnostics.filter { $0.severity == .error }
            guard errors.isEmpty else {
                for error in errors { DiagnosticPrinter.printError(error.description) }
                throw ExitCode.failure
            }
            guard let found = loaded.pipelines.first(where: { $0.name == pipeline }) else {
                let zoho = loaded.pipelines.filter { $0.trigger.sender.name == "zoho" }.map(\.name)
                DiagnosticPrinter.printError(
                    "no pipeline named \(pipeline) in \(pipelines) (zoho pipelines there: \(zoho.isEmpty ? "none" : zoho.joined(separator: ", ")))"
                )
                throw ExitCode.failure
            }
            let channel: ZohoChannel
            do {
                channel = try ZohoChannel(
                    pipeline: found, environment: ProcessInfo.processInfo.environment, publicURL: publicURL)
            } catch {
                DiagnosticPrinter.printError(error.description)
                throw ExitCode.failure
            }
            let asked = Date().addingTimeInterval(ZohoChannel.lifetime)
            if dryRun {
                var body = channel.watchBody(expiry: asked)
                if case .object(var root) = body, case .array(var items)? = root["watch"],
                    case .object(var item)? = items.first
                {
                    item["token"] = "redacted"
                    item["notify_url"] = .string(channel.shownNotifyURL)
                    items[0] = .object(item)
                    root["watch"] = .array(items)
                    body = .object(root)
                }
                print("POST \(channel.watchURL)  (token and URL key redacted)")
                print(body.prettyJSONText)
                return
            }
            let fetcher = HTTPFetcher()
            let expiry: Date
            do {
                expiry = try await channel.register(expiry: asked, fetcher: fetcher)
            } catch {
                try? await fetcher.shutdown()
                DiagnosticPrinter.printError("Zoho channel \(channel.channelID) not registered: \(error)")
                throw ExitCode.failure
            }
            try? await fetcher.shutdown()
            print(
                "Zoho channel \(channel.channelID) registered until \(BridgeTime.iso(expiry)): events \(channel.events.joined(separator: ",")) to \(channel.notifyURL.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "")"
            )
        }
    }
}
