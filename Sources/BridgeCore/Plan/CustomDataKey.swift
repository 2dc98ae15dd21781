import Foundation

/// Crisp's rule for custom-data keys (`^[a-z0-9_-]{1,50}$`) and the conversions the bridge makes.
public enum CustomDataKey {
    /// Whether the key is valid as Crisp documents it (lower case).
    public static func isValid(_ key: String) -> Bool {
        (1...50).contains(key.utf8.count) && key.utf8.allSatisfy(isAllowed)
    }

    /// Whether the key is valid but for upper-case letters, which Crisp accepts and the bridge lower-cases.
    public static func isValidIgnoringCase(_ key: String) -> Bool {
        isValid(key.lowercased())
    }

    /// Any text made into a valid key: accents removed, lower case, other characters as `_`, at most 50 long.
    public static func make(from text: String) -> String? {
        var out = ""
        var pendingUnderscore = false
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            let lower = String(scalar).lowercased()
            if lower.utf8.count == 1, let byte = lower.utf8.first, isAllowed(byte) {
                if pendingUnderscore, !out.isEmpty { out += "_" }
                pendingUnderscore = false
                out += lower
            } else {
                pendingUnderscore = true
            }
        }
        let trimmed = String(out.prefix(50))
        return trimmed.isEmpty ? nil : trimmed
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"),
            UInt8(ascii: "-"):
            true
        default: false
        }
    }
}
