/// A phone number as people and CRMs write it, reduced to its digits: `tel: +44 (0)20 7946-0018 ext. 12`.
///
/// Reads text as libphonenumber does, but only where that is plain: the number starts at the first `+` or digit
/// (a label such as `tel:` before it is dropped) and ends before trailing punctuation or a second number
/// (`/ x…`); it is digits (ASCII, full-width or Arabic-Indic) with spaces, `-`, `.`, `/` and parentheses after
/// optional `+` signs, then maybe an extension (`ext. 12`, `extension 12`, `x12`, `#12`, `;ext=12`), dropped.
/// Anything else is refused rather than guessed at: letters (libphonenumber drops one or two and reads three or
/// more as a vanity number, `1-800-FLOWERS`), other characters, more than 250 characters.
struct WrittenNumber {
    /// Whether the number starts with `+`.
    let international: Bool
    /// The digits, as values 0–9.
    let digits: [UInt8]

    init?(_ text: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard bytes.count < 250, let byte = Self.ascii(scalar) else { return nil }
            bytes.append(byte)
        }
        guard var start = bytes.firstIndex(where: { $0 == UInt8(ascii: "+") || Self.isDigit($0) }) else {
            return nil
        }
        var end = bytes.count
        while end > start, Self.isTrailingJunk(bytes[end - 1]) { end -= 1 }
        guard end > start else { return nil }
        end = Self.secondNumberStart(bytes, start: start, end: end) ?? end
        end = Self.endWithoutExtension(bytes, start: start, end: end) ?? end

        international = bytes[start] == UInt8(ascii: "+")
        while start < end, bytes[start] == UInt8(ascii: "+") { start += 1 }
        var digits: [UInt8] = []
        digits.reserveCapacity(end - start)
        for c in bytes[start..<end] {
            if Self.isDigit(c) {
                digits.append(c - UInt8(ascii: "0"))
            } else if !Self.isPunctuation(c) {
                return nil
            }
        }
        guard digits.count >= 3 else { return nil }
        self.digits = digits
    }

    /// The scalar as ASCII, with a no-break space as a space and other decimal digits as ASCII digits.
    private static func ascii(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0..<0x80: UInt8(scalar.value)
        case 0xA0: UInt8(ascii: " ")
        case 0xFF10...0xFF19: UInt8(scalar.value - 0xFF10) + UInt8(ascii: "0")  // full width
        case 0x0660...0x0669: UInt8(scalar.value - 0x0660) + UInt8(ascii: "0")  // Arabic-Indic
        case 0x06F0...0x06F9: UInt8(scalar.value - 0x06F0) + UInt8(ascii: "0")  // Eastern Arabic-Indic
        default: nil
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool {
        c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
    }

    /// What libphonenumber strips from the end: anything but letters, digits and `#`, and `_`.
    private static func isTrailingJunk(_ c: UInt8) -> Bool {
        let letter = (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z")
        return c == UInt8(ascii: "_") || !(letter || isDigit(c) || c == UInt8(ascii: "#"))
    }

    /// Where `/ x` or `\ x` starts a second number, which libphonenumber leaves out.
    private static func secondNumberStart(_ bytes: [UInt8], start: Int, end: Int) -> Int? {
        for i in start..<end where bytes[i] == UInt8(ascii: "/") || bytes[i] == UInt8(ascii: "\\") {
            var j = i + 1
            while j < end, bytes[j] == UInt8(ascii: " ") { j += 1 }
            if j < end, bytes[j] == UInt8(ascii: "x") { return i }
        }
        return nil
    }

    /// What libphonenumber ignores between digits (a subset of its list).
    private static func isPunctuation(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "("),
            UInt8(ascii: ")"):
            true
        default:
            false
        }
    }

    /// Extension labels, lower case, with the most digits libphonenumber takes after each.
    private static let labels: [(label: [UInt8], limit: Int)] = [
        (Array("extension".utf8), 20), (Array("extn".utf8), 20), (Array("ext".utf8), 20), (Array("x".utf8), 9),
        (Array("#".utf8), 9),
    ]

    /// Where the number ends when `bytes[start..<end]` ends with an extension, else nil.
    private static func endWithoutExtension(_ bytes: [UInt8], start: Int, end: Int) -> Int? {
        var i = end
        let hash = bytes[i - 1] == UInt8(ascii: "#")
        if hash { i -= 1 }
        let digitsEnd = i
        while i > start, bytes[i - 1] >= UInt8(ascii: "0"), bytes[i - 1] <= UInt8(ascii: "9") { i -= 1 }
        let count = digitsEnd - i
        guard count > 0 else { return nil }
        if hasSuffix(bytes, start: start, end: i, Array(";ext=".utf8)) {
            return count <= 20 && !hash ? i - 5 : nil
        }
        var j = i
        while j > start, bytes[j - 1] == UInt8(ascii: " ") || bytes[j - 1] == UInt8(ascii: "-") { j -= 1 }
        if j > start, bytes[j - 1] == UInt8(ascii: ".") || bytes[j - 1] == UInt8(ascii: ":") { j -= 1 }
        guard let (label, limit) = labels.first(where: { hasSuffix(bytes, start: start, end: j, $0.label) }),
            count <= limit
        else { return nil }
        var k = j - label.count
        while k > start, bytes[k - 1] == UInt8(ascii: " ") { k -= 1 }
        return k
    }

    /// Whether `bytes[start..<end]` ends with `suffix`, ignoring ASCII case.
    private static func hasSuffix(_ bytes: [UInt8], start: Int, end: Int, _ suffix: [UInt8]) -> Bool {
        guard end - start >= suffix.count else { return false }
        for (offset, c) in suffix.enumerated() {
            var b = bytes[end - suffix.count + offset]
            if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") { b |= 0x20 }
            if b != c { return false }
        }
        return true
    }
}
