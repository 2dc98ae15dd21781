import BridgeCore
import Foundation

/// Reading a file into bytes: whole, or chunk by chunk.
enum FileBytes {
    /// How much a chunk holds.
    static let chunkSize = 1 << 16

    /// A function giving the file's next chunk each time it is called (an empty one at the end), for
    /// `JSONArrayReader(reading:)`; nil when the file cannot be opened. A read that fails throws.
    static func chunks(_ path: String) -> (() throws(BridgeCoreError) -> [UInt8])? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        return { () throws(BridgeCoreError) -> [UInt8] in
            do {
                guard let chunk = try handle.read(upToCount: chunkSize), !chunk.isEmpty else {
                    try? handle.close()
                    return []
                }
                return Array(chunk)
            } catch {
                throw BridgeCoreError(.invalidJSON, "not readable (\(path): \(error.localizedDescription))")
            }
        }
    }

    /// The file's chunks (`chunks`) as a sequence, for a digest of it; it ends early when a read fails.
    static func chunkSequence(_ path: String) -> some Sequence<[UInt8]> {
        sequence(state: chunks(path)) { next -> [UInt8]? in
            guard let chunk = try? next?(), !chunk.isEmpty else { return nil }
            return chunk
        }
    }

    /// The file's bytes, read in chunks into one array sized from the start (never two copies of a large file at
    /// once), or nil when it cannot be read.
    static func read(_ path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int {
            bytes.reserveCapacity(size)
        }
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                bytes.append(contentsOf: chunk)
            }
        } catch {
            return nil
        }
        return bytes
    }
}
