import Foundation

/// Reading a whole file into bytes.
enum FileBytes {
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
