import ArgumentParser
import BridgeCore
import BridgeStore
import CrispPeople
import Foundation

/// `crisp-bridge quota`: where today's Crisp requests went, what is left, and the day's forecast.
struct Quota: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show today's use of Crisp's daily request quota (every serve sharing the store counted).",
        discussion:
            "The day is the UTC day. The forecast assumes the pace so far holds for the rest of the day; it is given once 3 hours of the day have passed."
    )

    @OptionGroup var store: Events.StoreOption

    @Option(
        help:
            "Crisp's daily request quota for the token (default: 10,000 for a website token, 5,000 for a plugin token, from CRISP_TIER)."
    )
    var crispDailyQuota: Int?

    func validate() throws {
        if let crispDailyQuota, crispDailyQuota <= 0 {
            throw ValidationError("--crisp-daily-quota takes requests per day, above 0")
        }
    }

    func run() async throws {
        let store = try await store.open()
        let now = Date()
        let day = CrispRequestCount.day(of: now)
        let tier = ProcessInfo.processInfo.environment["CRISP_TIER"].flatMap { $0.isEmpty ? nil : $0 } ?? "plugin"
        let quota = crispDailyQuota ?? CrispQuota.dailyQuota(tier: tier)
        let counts = try await store.crispRequests(day: day)
        let used = counts.reduce(0) { $0 + $1.count }
        print("Crisp requests on \(day) (UTC): \(used) of \(quota) used, \(max(0, quota - used)) left")
        print(QuotaForecast(used: used, quota: quota, now: now).summary)
        if let since = try await store.crispQuotaExhaustedSince() {
            print(
                "Used up since \(BridgeTime.iso(since)): delivery is paused, one probe request at a time, until Crisp answers again"
            )
        }
        guard !counts.isEmpty else { return }
        print("")
        let width = max(5, counts.map(\.route.count).max() ?? 0)
        print("route".padding(toLength: width, withPad: " ", startingAt: 0) + "  outcome  requests")
        for count in counts {
            print(
                count.route.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + count.outcome.padding(toLength: 7, withPad: " ", startingAt: 0) + "  \(count.count)")
        }
    }
}
