/// Reads a JSON list one element at a time, so that a large batch is never held whole as values: each element
/// is parsed when asked for (`next()`) and can be dropped once handled. Strict like `JSONValue.parse`; an error
/// in the text is thrown when the reading reaches it (the elements before it were already handed out), with its
/// line and column in the whole text.
///
/// The text is given whole, or read chunk by chunk (`init(reading:)`, a file): then only a window of it is held,
/// the elements not yet read from the current chunk, so memory stays flat however long the list.
public struct JSONArrayReader {
    private var parser: JSONParser
    /// The part of the text held: from where the next element starts to the end of the last chunk read.
    private var window: [UInt8]
    /// Where `window` starts in the whole text.
    private var origin = (line: 1, column: 1, offset: 0)
    /// The next chunk of the text (empty at its end); nil once the end was reached.
    private var read: (() throws(BridgeCoreError) -> [UInt8])?
    /// The bytes of a UTF-8 sequence cut by the end of the last chunk, held for the next one.
    private var carried: [UInt8] = []
    private var started = false
    private var finished = false

    /// A reader of `bytes`, or nil when they are not a list (after space and a byte order mark). Text that is not
    /// UTF-8 throws, as `JSONValue.parse` does.
    public init?(_ bytes: [UInt8]) throws(BridgeCoreError) {
        window = bytes
        parser = try JSONParser(checking: bytes)
        guard parser.beginArray() else { return nil }
    }

    /// A reader of the text `read` hands over chunk by chunk, an empty chunk at its end; nil when the text is not
    /// a list. A chunk may end anywhere, inside an element or a UTF-8 sequence.
    public init?(reading read: @escaping () throws(BridgeCoreError) -> [UInt8]) throws(BridgeCoreError) {
        var source: (() throws(BridgeCoreError) -> [UInt8])? = read
        var carried: [UInt8] = []
        var first: [UInt8] = []
        // The first chunks until the text shows more than space (after a byte order mark).
        func undecided(_ bytes: [UInt8]) -> Bool {
            let text = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
            return bytes.count < 3 || text.allSatisfy { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
        }
        while source != nil, undecided(first) {
            let chunk = try Self.nextChunk(&source, &carried)
            first = first.isEmpty ? chunk : first + chunk  // a body given whole is not copied
        }
        self.read = source
        self.carried = carried
        window = first
        parser = try JSONParser(checking: first)
        guard parser.beginArray() else { return nil }
    }

    /// The next element, or nil after the last one (and nothing but space after the list).
    public mutating func next() throws(BridgeCoreError) -> JSONValue? {
        if finished { return nil }
        while true {
            let start = parser.offset
            do {
                let element = try parser.nextElement(first: !started)
                // An element that reaches the end of the window may go on in the next chunk (a number, or the text
                // after the closing `]`): read on and take it again.
                if read != nil, parser.offset >= window.count {
                    try refill(from: start)
                    continue
                }
                started = true
                if element == nil { finished = true }
                return element
            } catch {
                // The error may only be where a chunk was cut: the rest of the text decides.
                guard read != nil else { throw error }
                try refill(from: start)
            }
        }
    }

    /// Drops the window before `start` (what was read) and adds the next chunk.
    private mutating func refill(from start: Int) throws(BridgeCoreError) {
        for byte in window[..<start] {
            if byte == 0x0A {
                origin.line += 1
                origin.column = 1
            } else if byte & 0xC0 != 0x80 {
                origin.column += 1
            }
        }
        origin.offset += start
        window = Array(window[start...]) + (try Self.nextChunk(&read, &carried))
        parser = try JSONParser(checking: window, resumingListAt: origin)
    }

    /// The next chunk, without the bytes of a UTF-8 sequence its end cuts (kept for the chunk after); at the end
    /// of the text, what was kept, and `read` is dropped.
    private static func nextChunk(
        _ source: inout (() throws(BridgeCoreError) -> [UInt8])?, _ carried: inout [UInt8]
    ) throws(BridgeCoreError) -> [UInt8] {
        guard let read = source else { return [] }
        let chunk = try read()
        if chunk.isEmpty {
            source = nil
            defer { carried = [] }
            return carried
        }
        var bytes = carried.isEmpty ? chunk : carried + chunk
        // The last lead byte, and whether its sequence is whole.
        var lead = bytes.count - 1
        while lead > 0, lead > bytes.count - 4, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        let length = bytes[lead] >= 0xF0 ? 4 : bytes[lead] >= 0xE0 ? 3 : bytes[lead] >= 0xC0 ? 2 : 1
        if bytes.count - lead < length {
            carried = Array(bytes[lead...])
            bytes.removeSubrange(lead...)
        } else {
            carried = []
        }
        return bytes
    }
}
