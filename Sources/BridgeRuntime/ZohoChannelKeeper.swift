import BridgeCore
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Keeps the Zoho CRM Notification API channels of the served `zoho` pipelines (those with `token` and
/// `channel_id`) registered: each is registered when `serve` starts (Zoho renews a channel registered again
/// with the same id), then again once less than `renewBefore` is left of it. It reads the catalog's current
/// pipelines at every check, so a reload's new or changed channel is registered at the next check.
///
/// The expiry is kept in memory only: a restarted `serve` registers at once. Every registration is logged, and
/// `crisp_bridge_zoho_channel_expiry_timestamp_seconds{pipeline=…}` gives the expiry Zoho confirmed.
struct ZohoChannelKeeper: Service, CustomStringConvertible {
    let catalog: PipelineCatalog
    let fetcher: HTTPFetcher
    let environment: [String: String]
    let publicURL: String?
    /// The longest wait between two checks.
    let checkInterval: TimeInterval
    /// A channel is renewed once less than this is left of it.
    let renewBefore: TimeInterval
    let logger: Logger
    /// The time channels are asked for and renewed by.
    var clock: any BridgeClock = SystemClock()

    var description: String { "ZohoChannelKeeper(every: \(Int(checkInterval)) s)" }

    /// The shortest time between two registrations of one channel, in seconds.
    static let minimumRenewal: TimeInterval = 60

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var renewals: [ZohoChannel: Date] = [:]  // when to register each channel again
            var said: Set<String> = []  // name@version: said once why its channel is not renewed
            while !Task.isCancelled {
                var wait = checkInterval
                let pipelines = catalog.current.pipelines.values.sorted { $0.name < $1.name }
                for pipeline in pipelines
                where pipeline.trigger.sender.name == "zoho" && pipeline.trigger.givesSetting("token") {
                    let channel: ZohoChannel
                    do {
                        channel = try ZohoChannel(
                            pipeline: pipeline, environment: environment, publicURL: publicURL)
                    } catch {
                        if said.insert("\(pipeline.name)@\(pipeline.version)").inserted {
                            logger.info("Zoho channel of \(pipeline.name) is not renewed by serve: \(error)")
                        }
                        continue
                    }
                    if let renewal = renewals[channel], renewal.timeIntervalSince(clock.now()) > 0 {
                        wait = min(wait, renewal.timeIntervalSince(clock.now()))
                        continue
                    }
                    do {
                        let asked = clock.now().addingTimeInterval(ZohoChannel.lifetime)
                        let expiry = try await channel.register(expiry: asked, fetcher: fetcher)
                        // Zoho may confirm less than was asked (an hour): then renew half-way. An expiry already
                        // past (or about to be: a clock far off, a bad answer) would renew in a tight loop.
                        let left = expiry.timeIntervalSince(clock.now())
                        guard left >= 2 * Self.minimumRenewal else {
                            throw ZohoChannel.Problem(
                                description:
                                    "Zoho confirmed the channel until \(ZohoChannel.format(expiry)), \(Int(left)) s from now (is this machine's clock right?)"
                            )
                        }
                        let renewal = max(left - renewBefore, left / 2, Self.minimumRenewal)
                        renewals[channel] = clock.now().addingTimeInterval(renewal)
                        Gauge(
                            label: "crisp_bridge_zoho_channel_expiry_timestamp_seconds",
                            dimensions: [("pipeline", pipeline.name)]
                        ).record(expiry.timeIntervalSince1970)
                        logger.info(
                            "Zoho channel \(channel.channelID) of \(pipeline.name) registered until \(ZohoChannel.format(expiry)) (events \(channel.events.joined(separator: ",")))"
                        )
                        wait = min(wait, renewal)
                    } catch {
                        logger.error(
                            "Zoho channel \(channel.channelID) of \(pipeline.name) could not be registered: \(error) (trying again in a minute)"
                        )
                        wait = min(wait, 60)
                    }
                }
                try await Task.sleep(for: .seconds(max(wait, 0.05)))
            }
        }
    }
}
