import BridgeCore
import Foundation

/// How the console writes times, ages and counts.
enum ConsoleFormat {
    /// `2026-12-07T14:00:00.000Z`.
    static func time(_ date: Date?) -> String { date.map(BridgeTime.iso) ?? "" }

    /// A short age: `42s`, `5m`, `3h 20m`, `2d 4h`.
    static func age(from start: Date, to end: Date) -> String {
        let seconds = max(0, Int(end.timeIntervalSince(start)))
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m"
        case ..<86_400: return "\(seconds / 3600)h \(seconds % 3600 / 60)m"
        default: return "\(seconds / 86_400)d \(seconds % 86_400 / 3600)h"
        }
    }

    /// A duration in ms, as attempts record it.
    static func duration(_ seconds: TimeInterval?) -> String {
        seconds.map { "\(Int(($0 * 1000).rounded())) ms" } ?? ""
    }
}
