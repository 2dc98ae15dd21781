import Foundation

/// Deliveries per minute over the last 24 hours as an SVG line, drawn on the server (only numbers go into it).
enum DeliveryChart {
    static let width = 1440
    static let height = 120

    /// The chart of `perMinute` (minute start → count) for the day before `now`.
    static func svg(_ perMinute: [Date: Int], now: Date) -> String {
        let end = Int(now.timeIntervalSince1970 / 60)
        let start = end - width + 1
        var counts = [Int](repeating: 0, count: width)
        for (minute, count) in perMinute {
            let index = Int(minute.timeIntervalSince1970 / 60) - start
            if counts.indices.contains(index) { counts[index] += count }
        }
        let peak = max(1, counts.max() ?? 0)
        let ys = counts.map { height - Int((Double($0) / Double(peak) * Double(height - 10)).rounded()) }
        // A point where the line bends: the same height on both sides needs none.
        let points = ys.indices.filter { $0 == 0 || $0 == ys.count - 1 || ys[$0 - 1] != ys[$0] || ys[$0 + 1] != ys[$0] }
            .map { "\($0),\(ys[$0])" }
        var svg =
            #"<svg viewBox="0 0 \#(width) \#(height)" preserveAspectRatio="none" role="img" aria-label="deliveries per minute over the last 24 hours" id="chart">"#
        // A line for each 6 hours back from now.
        for hours in stride(from: 6, to: 24, by: 6) {
            let x = width - hours * 60
            svg += ##"<line x1="\##(x)" y1="0" x2="\##(x)" y2="\##(height)" stroke="#dde1e8" stroke-width="2"/>"##
        }
        svg +=
            ##"<polyline fill="none" stroke="#1972f5" stroke-width="2" vector-effect="non-scaling-stroke" points="\##(points.joined(separator: " "))"/>"##
        return svg + "</svg>"
    }

    /// The most deliveries in one minute.
    static func peak(_ perMinute: [Date: Int]) -> Int { perMinute.values.max() ?? 0 }
}
