import Foundation

/// Email address rules shared by the `email()` function and the checks of planned Crisp operations.
public enum EmailAddress {
    /// The address trimmed, lower-cased, without `mailto:` or a `Name <…>` wrapper; nil when not valid.
    public static func normalize(_ text: String) -> String? {
        if let ascii = normalizeASCII(text) { return ascii.valid ? ascii.address : nil }
        var s = text.trimmed
        if let open = s.lastIndex(of: "<"), s.hasSuffix(">") {
            s = String(s[s.index(after: open)..<s.index(before: s.endIndex)]).trimmed
        }
        s = s.lowercased()
        if s.hasPrefix("mailto:") { s.removeFirst(7) }
        return isValid(s) ? s : nil
    }

    /// `normalize` of ASCII text without a `<`, on its bytes (the common case, on the hot path: no Character
    /// walks); nil for other text, which takes the general way.
    private static func normalizeASCII(_ text: String) -> (address: String, valid: Bool)? {
        var bytes = Array(text.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "<") }) else { return nil }
        // ASCII white space is all `trimmed` removes from ASCII text.
        let isSpace = { (b: UInt8) in b == 0x20 || (0x09...0x0D).contains(b) }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return ("", false) }
        let last = bytes.lastIndex(where: { !isSpace($0) })!
        for k in first...last where bytes[k] >= UInt8(ascii: "A") && bytes[k] <= UInt8(ascii: "Z") { bytes[k] |= 0x20 }
        var address = bytes[first...last]
        if address.starts(with: "mailto:".utf8) { address = address.dropFirst(7) }
        guard address.count <= 254, address.withUnsafeBufferPointer(isValidASCII) else { return ("", false) }
        return (String(decoding: address, as: UTF8.self), true)
    }

    /// The same rules over ASCII bytes, without Unicode property look-ups (the common case, on the hot path: it
    /// runs for `email()` and for every planned operation): one walk over the bytes.
    static func isValidASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let dot = UInt8(ascii: "."), dash = UInt8(ascii: "-")
        var at = -1
        for i in 0..<b.count where b[i] == UInt8(ascii: "@") {
            if at >= 0 { return false }
            at = i
        }
        // The local part: 1 to 64 long, no `.` at either end or twice in a row.
        guard at > 0, at <= 64, b[0] != dot, b[at - 1] != dot else { return false }
        var previous: UInt8 = 0
        for i in 0..<at {
            let c = b[i]
            guard isAlphanumeric(c) || isLocalSymbol(c), c != dot || previous != dot else { return false }
            previous = c
        }
        // The domain's labels: each 1 to 63 long, letters, digits and inner `-`; two labels or more, the last (the
        // top-level domain) two letters or more.
        var labels = 0
        var start = at + 1
        var letters = true
        var i = start
        while true {
            if i == b.count || b[i] == dot {
                let length = i - start
                guard length > 0, length <= 63, b[start] != dash, b[i - 1] != dash else { return false }
                labels += 1
                if i == b.count { return labels >= 2 && length >= 2 && letters }
                start = i + 1
                letters = true
            } else {
                let c = b[i]
                guard isAlphanumeric(c) || c == dash else { return false }
                if (c | 0x20) < UInt8(ascii: "a") || (c | 0x20) > UInt8(ascii: "z") { letters = false }
            }
            i += 1
        }
    }

    /// The symbols RFC 5322 allows in the local part without quoting: ! # $ % & ' * + / = ? ^ _ ` { | } ~ . -
    private static func isLocalSymbol(_ c: UInt8) -> Bool {
        switch c {
        case 0x21, 0x23...0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x2F, 0x3D, 0x3F, 0x5E, 0x5F, 0x60, 0x7B...0x7E: true
        default: false
        }
    }

    private static func isAlphanumeric(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    /// Whether the text is a plausible deliverable address: `local@domain.tld`, no spaces, sane characters.
    public static func isValid(_ s: String) -> Bool {
        guard s.utf8.count <= 254 else { return false }
        // ASCII text is checked on its UTF-8 in place: this runs for every planned operation.
        var text = s
        if let ascii = text.withUTF8({ $0.allSatisfy { $0 < 0x80 } ? isValidASCII($0) : nil }) { return ascii }
        return isValidUnicode(s)
    }

    /// `isValid` of any text, by Unicode properties: letters of every script in both parts.
    static func isValidUnicode(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last else { return false }
        guard !local.isEmpty, local.utf8.count <= 64, !local.hasPrefix("."), !local.hasSuffix("."),
            !local.contains("..")
        else { return false }
        let localAllowed = "!#$%&'*+/=?^_`{|}~.-"
        for c in local.unicodeScalars {
            guard c.properties.isAlphabetic || ("0"..."9").contains(c) || localAllowed.unicodeScalars.contains(c)
            else { return false }
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else {
                return false
            }
            for c in label.unicodeScalars {
                guard c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" else { return false }
            }
        }
        guard let tld = labels.last, tld.count >= 2, tld.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic })
        else { return false }
        return true
    }
}
