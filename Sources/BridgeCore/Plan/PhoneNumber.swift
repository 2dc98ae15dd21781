import Foundation

/// E.164 normalisation of phone numbers, with national numbers read in a default region.
enum PhoneNumber {
    /// Regions whose national numbers keep their leading 0 after the country code.
    private static let keepsTrunkZero: Set<String> = ["IT", "SM", "VA"]

    static func e164(_ text: String, region: String?) -> String? {
        var s = Substring(text.trimmed)
        // An extension ("ext. 12", "x12") is not part of the number.
        if let ext = s.firstIndex(where: { $0 == "x" || $0 == "X" || $0 == "e" || $0 == "E" }) { s = s[..<ext] }
        let international = s.hasPrefix("+") || s.hasPrefix("00")
        var digits = String(
            decoding: s.utf8.filter { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }, as: UTF8.self)
        guard !digits.isEmpty else { return nil }
        if international {
            if !s.hasPrefix("+") { digits.removeFirst(2) }
        } else {
            guard let region, let alpha2 = Countries.code(for: region), let code = Countries.callingCode(of: alpha2)
            else { return nil }
            if code == 1, digits.count == 11, digits.hasPrefix("1") { digits.removeFirst() }
            if digits.hasPrefix("0"), !keepsTrunkZero.contains(alpha2) { digits.removeFirst() }
            digits = String(code) + digits
        }
        guard (8...15).contains(digits.count), !digits.hasPrefix("0") else { return nil }
        return "+" + digits
    }
}
