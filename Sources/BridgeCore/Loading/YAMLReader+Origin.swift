import Yams

extension YAMLReader {
    /// Where each character of a scalar's value sits in the file, through quotes, escapes and block indentation.
    func origin(of node: Node) -> ExpressionOrigin {
        guard case .scalar(let scalar) = node, let mark = scalar.mark else {
            return ExpressionOrigin(contiguousAt: location(node), length: 1)
        }
        let value = Array(scalar.string.unicodeScalars)
        let lines = source.lines.map { Array($0.unicodeScalars) }
        var line = mark.line
        var column = mark.column
        switch scalar.style {
        case .singleQuoted, .doubleQuoted:
            column += 1
        case .literal, .folded:
            line += 1
            column = 1
        default:
            break
        }
        func rawChar() -> Unicode.Scalar? {
            guard line - 1 < lines.count else { return nil }
            let text = lines[line - 1]
            return column - 1 < text.count ? text[column - 1] : "\n"
        }
        func advance(_ n: Int = 1) {
            for _ in 0..<n {
                if rawChar() == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
        }
        var positions: [(line: Int, column: Int)] = []
        positions.reserveCapacity(value.count)
        for v in value {
            let before = positions.count
            var guardSteps = 0
            while let r = rawChar(), guardSteps < 10_000 {
                guardSteps += 1
                if r == v || (r == "\n" && v == " ") {
                    positions.append((line, column))
                    advance()
                    break
                }
                if r == " " || r == "\t" || r == "\n" {
                    advance()
                    continue
                }
                positions.append((line, column))
                if scalar.style == .doubleQuoted, r == "\\" {
                    advance(2)
                } else if scalar.style == .singleQuoted, r == "'" {
                    advance(2)
                } else {
                    advance()
                }
                break
            }
            if positions.count == before { positions.append((line, column)) }
        }
        return ExpressionOrigin(file: source.path, positions: positions)
    }
}
