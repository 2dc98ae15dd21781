import BridgeCore
import Foundation

/// Writes JSON lines to standard output through a buffer: one write per 64 KiB instead of one per line.
struct LineWriter {
    private var buffer: [UInt8] = []
    private let limit = 1 << 16

    /// Adds the event's plan line (`EventOutcome.writePlanJSON`), written without building its value.
    mutating func write(plan event: EventOutcome) {
        event.writePlanJSON(to: &buffer)
        endLine()
    }

    private mutating func endLine() {
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= limit { flush() }
    }

    /// Writes what is buffered.
    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
