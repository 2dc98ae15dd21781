import BridgeCore
import Foundation

/// What `import` shows while it runs, on standard error: on a terminal one line redrawn in place a few times a
/// second; otherwise (CI, logs) a plain line every five seconds.
struct ImportProgress {
    let interactive: Bool
    let dryRun: Bool
    private let start = ContinuousClock.now
    private var last: ContinuousClock.Instant?
    private var drawn = false

    init(interactive: Bool, dryRun: Bool) {
        self.interactive = interactive
        self.dryRun = dryRun
    }

    /// Whether it is time to draw again.
    mutating func due(_ now: ContinuousClock.Instant) -> Bool {
        let interval: Duration = interactive ? .milliseconds(200) : .seconds(5)
        guard let last else {
            self.last = now
            return false
        }
        guard now - last >= interval else { return false }
        self.last = now
        return true
    }

    /// Draws the counts; `reading` while rows are still read (no estimate then).
    mutating func draw(_ s: CSVImport.Summary, reading: Bool, paused: Date?, now: ContinuousClock.Instant) {
        let elapsed = max(0.001, (now - start).inSeconds)
        var parts = ["\(s.read.formatted()) read"]
        if dryRun {
            parts.append("\(s.queued.formatted()) planned")
            parts.append(String(format: "%.0f rows/s", Double(s.read) / elapsed))
        } else {
            parts.append("\(s.queued.formatted()) queued")
            if s.alreadyStored > 0 { parts.append("\(s.alreadyStored.formatted()) from an earlier run") }
            parts.append("\(s.delivered.formatted()) delivered")
            if s.deliveredElsewhere > 0 {
                parts.append("\(s.deliveredElsewhere.formatted()) of them by another crisp-bridge sharing the store")
            }
            let rate = Double(s.delivered) / elapsed
            parts.append(String(format: "%.1f rows/s", rate))
            if !reading, rate > 0, s.pending > 0 { parts.append("ETA \(Self.duration(Double(s.pending) / rate))") }
        }
        parts.append("\(s.rejected.formatted()) rejected")
        if s.skipped > 0 { parts.append("\(s.skipped.formatted()) skipped") }
        if let paused { parts.append("paused: Crisp's daily quota used up since \(BridgeTime.iso(paused))") }
        let line = parts.joined(separator: " · ")
        if interactive {
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
            drawn = true
        } else {
            FileHandle.standardError.write(Data(("import: " + line + "\n").utf8))
        }
    }

    /// Ends the redrawn line.
    mutating func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        drawn = false
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m" : "\(s / 60)m\(String(format: "%02d", s % 60))s"
    }
}
