/// Reads a JSON list one element at a time, so that a large batch is never held whole as values: each element
/// is parsed when asked for (`next()`) and can be dropped once handled. Strict like `JSONValue.parse`; an error
/// in the text is thrown when the reading reaches it (the elements before it were already handed out).
public struct JSONArrayReader {
    private var parser: JSONParser
    private var started = false
    private var finished = false

    /// A reader of `bytes`, or nil when they are not a list (after space and a byte order mark). Text that is not
    /// UTF-8 throws, as `JSONValue.parse` does.
    public init?(_ bytes: [UInt8]) throws(BridgeCoreError) {
        parser = try JSONParser(checking: bytes)
        guard parser.beginArray() else { return nil }
    }

    /// The next element, or nil after the last one (and nothing but space after the list).
    public mutating func next() throws(BridgeCoreError) -> JSONValue? {
        if finished { return nil }
        let element = try parser.nextElement(first: !started)
        started = true
        if element == nil { finished = true }
        return element
    }
}
