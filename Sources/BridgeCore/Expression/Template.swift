/// Splits text into literal pieces and `${{ expression }}` pieces.
enum Template {
    enum Part: Equatable {
        case text(String)
        /// The expression text and its offset (in Unicode scalars) in the whole text.
        case expression(String, offset: Int)
    }

    /// Whether the text holds `${{` at all (a cheap test before parsing).
    static func mayContainExpression(_ text: String) -> Bool {
        text.contains("${{")
    }

    /// The parts of `text`; throws at the offset of an unclosed `${{`.
    static func parts(of text: String) throws(ExpressionSyntaxError) -> [Part] {
        let s = Array(text.unicodeScalars)
        var parts: [Part] = []
        var literal = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            if s[i] == "$", i + 2 < s.count, s[i + 1] == "{", s[i + 2] == "{" {
                let start = i + 3
                var j = start
                var depth = 0
                var quote: Unicode.Scalar?
                var end: Int?
                while j < s.count {
                    let c = s[j]
                    if let q = quote {
                        if c == "\\" { j += 1 } else if c == q { quote = nil }
                    } else if c == "\"" || c == "'" {
                        quote = c
                    } else if c == "{" {
                        depth += 1
                    } else if c == "}" {
                        if depth == 0, j + 1 < s.count, s[j + 1] == "}" {
                            end = j
                            break
                        }
                        depth -= 1
                    }
                    j += 1
                }
                guard let end else {
                    throw ExpressionSyntaxError(
                        message: "'${{' is not closed: add '}}' after the expression", offset: i)
                }
                if !literal.isEmpty {
                    parts.append(.text(String(literal)))
                    literal = String.UnicodeScalarView()
                }
                parts.append(.expression(String(String.UnicodeScalarView(s[start..<end])), offset: start))
                i = end + 2
            } else {
                literal.append(s[i])
                i += 1
            }
        }
        if !literal.isEmpty { parts.append(.text(String(literal))) }
        return parts
    }
}
