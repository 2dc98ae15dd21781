/// A strict RFC 8259 JSON reader straight into `JSONValue`.
///
/// Bodies and enrichment answers are parsed once per event on the hot path of every transform; going
/// through `JSONSerialization` costs a bridge through `NSDictionary`/`NSNumber` per value (measured about 3×
/// slower), and `JSONDecoder` cannot peek at a value's type. Errors say the line and column of the problem.
/// The randomized tests check it against Foundation's parser.
struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0
    /// Where `bytes` starts in the whole text, for the line and column of an error (a window of a longer text
    /// read element by element, `JSONArrayReader`).
    private var origin = (line: 1, column: 1, offset: 0)
    static let maxDepth = 512

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    static func parse<Bytes: Sequence<UInt8>>(_ input: Bytes) throws(BridgeCoreError) -> JSONValue {
        var parser = try JSONParser(checking: Array(input))
        parser.skipSpace()
        let value = try parser.value()
        try parser.end()
        return value
    }

    /// A parser at the start of `bytes`, which are checked to be UTF-8 (a byte order mark is skipped).
    init(checking bytes: [UInt8]) throws(BridgeCoreError) {
        self.init(bytes)
        // A UTF-8 byte order mark is tolerated, as most parsers do.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        // JSON is UTF-8 (RFC 8259 §8.1): text that is not is refused, not read with replacement characters.
        if let bad = Self.firstInvalidUTF8(bytes) {
            i = bad
            throw error("the text is not UTF-8 (byte offset \(bad))")
        }
    }

    /// A parser of a window of a longer text, inside its top-level list: `bytes` (checked to be UTF-8) start where
    /// the previous window stopped, at `line`, `column` and byte `offset` of the whole text.
    init(checking bytes: [UInt8], resumingListAt origin: (line: Int, column: Int, offset: Int))
        throws(BridgeCoreError)
    {
        self.init(bytes)
        self.origin = origin
        depth = 1
        if let bad = Self.firstInvalidUTF8(bytes) {
            i = bad
            throw error("the text is not UTF-8 (byte offset \(origin.offset + bad))")
        }
    }

    /// How far the parser has read in its bytes.
    var offset: Int { i }

    /// Checks that nothing but space follows the value read.
    private mutating func end() throws(BridgeCoreError) {
        skipSpace()
        guard i == bytes.count else { throw error("unexpected text after the JSON value") }
    }

    /// Starts reading a top-level list element by element (`nextElement`): false, and nothing read, when the text
    /// is not a list.
    mutating func beginArray() -> Bool {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else { return false }
        i += 1
        depth = 1
        return true
    }

    /// The next element of the list begun by `beginArray`, or nil after its closing `]` (then only space may
    /// follow). `first` says whether no element has been read yet.
    mutating func nextElement(first: Bool) throws(BridgeCoreError) -> JSONValue? {
        skipSpace()
        guard i < bytes.count else { throw error("the text ends inside a list") }
        if bytes[i] == UInt8(ascii: "]") {
            i += 1
            depth = 0
            try end()
            return nil
        }
        if !first {
            guard bytes[i] == UInt8(ascii: ",") else { throw error("expected ',' or ']'") }
            i += 1
            skipSpace()
        }
        return try value()
    }

    /// The offset of the first byte that does not start a valid UTF-8 sequence, or nil when all is valid. ASCII
    /// (nearly every webhook) is checked a byte at a time; the rest by the standard library's decoder.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        guard let first = bytes.firstIndex(where: { $0 >= 0x80 }) else { return nil }
        var offset = first
        var iterator = bytes[first...].makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    private func error(_ message: String) -> BridgeCoreError {
        var (line, column) = (origin.line, origin.column)
        for b in bytes[..<min(i, bytes.count)] {
            if b == 0x0A {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 {
                column += 1
            }
        }
        return BridgeCoreError(.invalidJSON, "not valid JSON: \(message) at line \(line), column \(column)")
    }

    private mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private mutating func value() throws(BridgeCoreError) -> JSONValue {
        guard i < bytes.count else { throw error("the text ends where a value should be") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(BridgeCoreError) -> JSONValue {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count else { throw error("unexpected end of the text") }
        for k in 0..<count where bytes[i + k] != word.utf8Start[k] {
            throw error("unexpected character")
        }
        i += count
        return value
    }

    private mutating func enter() throws(BridgeCoreError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nested more than \(Self.maxDepth) levels deep") }
    }

    private mutating func object() throws(BridgeCoreError) -> JSONValue {
        try enter()
        i += 1
        // Sized at creation: `reserveCapacity` on an empty dictionary resizes through unspecialised code.
        var members = [String: JSONValue](minimumCapacity: 8)
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                throw error("expected a member name in quotes")
            }
            let key = try string()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
                throw error("expected ':' after a member name")
            }
            i += 1
            skipSpace()
            members[key] = try value()
            skipSpace()
            guard i < bytes.count else { throw error("the text ends inside an object") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard bytes[i] == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
            i += 1
            depth -= 1
            return .object(members)
        }
    }

    private mutating func array() throws(BridgeCoreError) -> JSONValue {
        try enter()
        i += 1
        var elements: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipSpace()
            elements.append(try value())
            skipSpace()
            guard i < bytes.count else { throw error("the text ends inside a list") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard bytes[i] == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
            i += 1
            depth -= 1
            return .array(elements)
        }
    }

    private mutating func string() throws(BridgeCoreError) -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                let end = i
                let s = bytes.withUnsafeBufferPointer {
                    String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self)
                }
                i += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("control character inside a string (escape it)") }
            i += 1
        }
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if b < 0x20 { throw error("control character inside a string (escape it)") }
            if b != UInt8(ascii: "\\") {
                out.append(b)
                i += 1
                continue
            }
            guard i + 1 < bytes.count else { break }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800...0xDBFF).contains(code) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw error("a high surrogate \\u escape must be followed by a low one")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid low surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(code) {
                    throw error("a lone low surrogate")
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(code)!)).utf8))
            default:
                i -= 1
                throw error("unknown escape")
            }
        }
        throw error("the text ends inside a string")
    }

    private mutating func hex4() throws(BridgeCoreError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("\\u needs four hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - 55)
            default: throw error("\\u needs four hex digits")
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    private mutating func number() throws(BridgeCoreError) -> JSONValue {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) else {
            throw error("expected a digit")
        }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
        }
        var integral = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            integral = false
            i += 1
            guard i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) else {
                throw error("expected a digit after '.'")
            }
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            integral = false
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) else {
                throw error("expected a digit in the exponent")
            }
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
        }
        // Small integers without a fraction are exact; everything else goes through the standard conversion.
        if integral, i - start <= 15 {
            var v: Int64 = 0
            var k = start
            let negative = bytes[k] == UInt8(ascii: "-")
            if negative { k += 1 }
            while k < i {
                v = v * 10 + Int64(bytes[k] - 48)
                k += 1
            }
            return .number(Double(negative ? -v : v))
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        guard let n = Double(text) else { throw error("'\(text)' is not a number") }
        guard n.isFinite else {
            i = start
            throw error("'\(text)' is too large for a number")
        }
        return .number(n)
    }
}
