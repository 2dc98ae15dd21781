import Foundation

/// Where Crisp's daily request quota will stand at the end of the UTC day if the pace so far holds — said only
/// once enough of the day has passed for the pace to mean something (a burst in the first minutes after
/// midnight would otherwise forecast tens of thousands). `crisp-bridge quota` and the console print it.
public struct QuotaForecast: Sendable, Hashable {
    /// The share of the day that must have passed before the pace is extrapolated.
    public static let minimumElapsed = 3.0 / 24

    /// Requests by the end of the day at today's pace; nil while it is too early to tell.
    public let forecast: Int?
    /// The sentence to print.
    public let summary: String

    public init(used: Int, quota: Int, now: Date) {
        let elapsed = now.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400) / 86_400
        guard elapsed >= Self.minimumElapsed else {
            forecast = nil
            let hours = Int(Self.minimumElapsed * 24)
            summary =
                "Too early in the day to forecast: the pace of the first \(hours) hours (UTC) says little about the rest; \(used) used so far"
            return
        }
        let whole = Int((Double(used) / elapsed).rounded())
        forecast = whole
        summary = "At today's pace: about \(whole) by the end of the day\(whole > quota ? " (over the quota)" : "")"
    }
}
