/// Where each character of an expression's text sits in its file, so errors point at the exact column.
struct ExpressionOrigin: Sendable {
    let file: String
    /// Line and column of each Unicode scalar of the text.
    let positions: [(line: Int, column: Int)]

    /// A location for a piece of text that starts at `location` and has no line breaks or escapes.
    init(file: String, positions: [(line: Int, column: Int)]) {
        self.file = file
        self.positions = positions
    }

    init(contiguousAt location: SourceLocation, length: Int) {
        self.file = location.file
        self.positions = (0..<max(length, 1)).map { (location.line, location.column + $0) }
    }

    func location(at offset: Int) -> SourceLocation {
        if positions.isEmpty { return SourceLocation(file: file, line: 1, column: 1) }
        if offset < positions.count {
            let p = positions[max(0, offset)]
            return SourceLocation(file: file, line: p.line, column: p.column)
        }
        let p = positions[positions.count - 1]
        return SourceLocation(file: file, line: p.line, column: p.column + offset - positions.count + 1)
    }

    /// The origin of a piece of the text, from scalar `offset` on, `length` long.
    func slice(from offset: Int, length: Int) -> ExpressionOrigin {
        let end = min(positions.count, offset + length)
        let start = min(offset, end)
        var slice = Array(positions[start..<end])
        if slice.isEmpty { slice = [(location(at: offset).line, location(at: offset).column)] }
        return ExpressionOrigin(file: file, positions: slice)
    }
}
