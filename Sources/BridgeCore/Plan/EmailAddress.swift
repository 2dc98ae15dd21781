import Foundation

/// Email address rules shared by the `email()` function and the checks of planned Crisp operations.
public enum EmailAddress {
    /// The address trimmed, lower-cased, without `mailto:` or a `Name <…>` wrapper; nil when not valid.
    public static func normalize(_ text: String) -> String? {
        var s = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let open = s.lastIndex(of: "<"), s.hasSuffix(">") {
            s = String(s[s.index(after: open)..<s.index(before: s.endIndex)]).trimmingCharacters(in: .whitespaces)
        }
        s = s.lowercased()
        if s.hasPrefix("mailto:") { s.removeFirst(7) }
        return isValid(s) ? s : nil
    }

    /// Whether the text is a plausible deliverable address: `local@domain.tld`, no spaces, sane characters.
    public static func isValid(_ s: String) -> Bool {
        guard s.utf8.count <= 254 else { return false }
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
