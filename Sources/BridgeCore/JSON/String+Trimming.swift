extension StringProtocol {
    /// The text without white space (spaces, tabs, line breaks, and Unicode spaces) at either end.
    ///
    /// Used on the hot path instead of Foundation's `trimmingCharacters(in:)`, which goes through `NSString`.
    var trimmed: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }
}

extension String {
    /// The text without white space at either end (see `StringProtocol.trimmed`); most text starts and ends
    /// with a visible ASCII character and is returned as it is, without a look at its characters.
    var trimmed: String {
        if let head = utf8.first, let tail = utf8.last, head > 0x20, head < 0x7F, tail > 0x20, tail < 0x7F {
            return self
        }
        return self[...].trimmed
    }
}
