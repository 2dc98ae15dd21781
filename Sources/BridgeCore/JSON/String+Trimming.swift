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
