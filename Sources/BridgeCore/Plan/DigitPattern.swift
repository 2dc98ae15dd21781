/// A regular expression over decimal digits, in the small subset libphonenumber's metadata is written in:
/// digits, `\d`, classes such as `[13-57]`, groups `(?:…)` and capturing `(…)`, `|`, `?`, `{n}`, `{n,m}` and `$`.
///
/// It matches exactly as Python's `re` does for these patterns (the first match in priority order: alternatives
/// left to right, quantifiers greedy), so that phone numbers parse as with libphonenumber. Patterns compile once
/// into a small backtracking program; a match never revisits a (position, instruction) pair that already failed,
/// so it takes at most program length × input length steps. Input is digit values 0–9, not ASCII.
struct DigitPattern: Sendable {
    /// A successful match at the start of the input.
    struct Match {
        /// Where the match ends.
        var end: Int
        /// Each capturing group's range, or nil when the group did not take part.
        var groups: [Range<Int>?]
    }

    private enum Instruction: Sendable {
        /// Takes one digit whose bit is set in the mask.
        case digit(UInt16)
        /// Tries the first target, then the second.
        case split(Int, Int)
        case jump(Int)
        /// Records the position in a capture slot (2 per group: start, end).
        case save(Int)
        /// `$`: succeeds only at the end of the input.
        case end
        case match
    }

    private indirect enum Node {
        case digits(UInt16)
        case sequence([Node])
        case alternation([Node])
        case group(Node, capture: Int?)
        case repetition(Node, min: Int, max: Int)
        case end
    }

    private let program: [Instruction]
    /// The number of capturing groups.
    let groupCount: Int

    /// Compiles `pattern`. The patterns come from generated metadata, so one outside the subset is a bug: it traps.
    init(_ pattern: String) {
        self.init(utf8: Array(pattern.utf8))
    }

    /// Compiles a pattern given as UTF-8 bytes.
    init(utf8 pattern: [UInt8]) {
        var parser = PatternParser(text: pattern)
        let root = parser.alternation()
        precondition(
            parser.index == parser.text.count, "unsupported digit pattern: \(String(decoding: pattern, as: UTF8.self))")
        var program: [Instruction] = []
        Self.emit(root, into: &program)
        program.append(.match)
        self.program = program
        self.groupCount = parser.groups
    }

    /// Whether the pattern matches all of `digits` (Python's `fullmatch`).
    func matchesAll(_ digits: [UInt8]) -> Bool {
        var slots: [Int] = []
        return run(digits, whole: true, slots: &slots) != nil
    }

    /// The first match at the start of `digits`, in Python's `re.match` order, with its groups.
    func matchPrefix(_ digits: [UInt8]) -> Match? {
        var slots = [Int](repeating: -1, count: groupCount * 2)
        guard let end = run(digits, whole: false, slots: &slots) else { return nil }
        let groups = (0..<groupCount).map { g -> Range<Int>? in
            slots[2 * g] >= 0 && slots[2 * g + 1] >= 0 ? slots[2 * g]..<slots[2 * g + 1] : nil
        }
        return Match(end: end, groups: groups)
    }

    private enum Frame {
        case state(pc: Int, position: Int)
        case restore(slot: Int, value: Int)
    }

    /// Depth-first search of the program in priority order; returns where the first match ends.
    private func run(_ s: [UInt8], whole: Bool, slots: inout [Int]) -> Int? {
        let width = s.count + 1
        // Jumps only go forward, so a (pc, position) pair met again was fully explored and failed.
        var failed = [UInt64](repeating: 0, count: (program.count * width + 63) >> 6)
        var stack: [Frame] = [.state(pc: 0, position: 0)]
        let capturing = !slots.isEmpty
        while let frame = stack.popLast() {
            var pc: Int
            var pos: Int
            switch frame {
            case .restore(let slot, let value):
                slots[slot] = value
                continue
            case .state(let p, let q):
                pc = p
                pos = q
            }
            thread: while true {
                let bit = pc * width + pos
                if failed[bit >> 6] & (1 << UInt64(bit & 63)) != 0 { break thread }
                failed[bit >> 6] |= 1 << UInt64(bit & 63)
                switch program[pc] {
                case .digit(let mask):
                    guard pos < s.count, mask & (1 << UInt16(s[pos])) != 0 else { break thread }
                    pc += 1
                    pos += 1
                case .split(let first, let second):
                    stack.append(.state(pc: second, position: pos))
                    pc = first
                case .jump(let target):
                    pc = target
                case .save(let slot):
                    if capturing {
                        stack.append(.restore(slot: slot, value: slots[slot]))
                        slots[slot] = pos
                    }
                    pc += 1
                case .end:
                    guard pos == s.count else { break thread }
                    pc += 1
                case .match:
                    if whole && pos != s.count { break thread }
                    return pos
                }
            }
        }
        return nil
    }

    private static func emit(_ node: Node, into program: inout [Instruction]) {
        switch node {
        case .digits(let mask):
            program.append(.digit(mask))
        case .end:
            program.append(.end)
        case .sequence(let nodes):
            for n in nodes { emit(n, into: &program) }
        case .group(let inner, let capture):
            if let capture { program.append(.save(2 * capture)) }
            emit(inner, into: &program)
            if let capture { program.append(.save(2 * capture + 1)) }
        case .alternation(let branches):
            var jumps: [Int] = []
            for (i, branch) in branches.enumerated() {
                if i < branches.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    emit(branch, into: &program)
                    jumps.append(program.count)
                    program.append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                } else {
                    emit(branch, into: &program)
                }
            }
            for j in jumps { program[j] = .jump(program.count) }
        case .repetition(let inner, let min, let max):
            for _ in 0..<min { emit(inner, into: &program) }
            // Greedy optional copies, nested: once one is skipped, the rest are too.
            var splits: [Int] = []
            for _ in min..<max {
                splits.append(program.count)
                program.append(.split(program.count + 1, -1))
                emit(inner, into: &program)
            }
            for s in splits { program[s] = .split(s + 1, program.count) }
        }
    }

    /// Recursive descent over the pattern's bytes.
    private struct PatternParser {
        let text: [UInt8]
        var index = 0
        var groups = 0

        mutating func alternation() -> Node {
            var branches = [sequence()]
            while peek == UInt8(ascii: "|") {
                index += 1
                branches.append(sequence())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        private var peek: UInt8? { index < text.count ? text[index] : nil }

        private mutating func sequence() -> Node {
            var items: [Node] = []
            while let c = peek, c != UInt8(ascii: "|"), c != UInt8(ascii: ")") {
                var atom = self.atom()
                if let q = quantifier() {
                    atom = .repetition(atom, min: q.min, max: q.max)
                    // Python reads `x??` and `x{m,n}?` as lazy: not in the subset.
                    precondition(peek != UInt8(ascii: "?") && peek != UInt8(ascii: "{"), "unsupported quantifier")
                }
                items.append(atom)
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        private mutating func atom() -> Node {
            let c = text[index]
            index += 1
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .digits(1 << UInt16(c - UInt8(ascii: "0")))
            case UInt8(ascii: "\\"):
                precondition(peek == UInt8(ascii: "d"), "unsupported escape in a digit pattern")
                index += 1
                return .digits(0x3FF)
            case UInt8(ascii: "$"):
                return .end
            case UInt8(ascii: "["):
                return .digits(digitClass())
            case UInt8(ascii: "("):
                var capture: Int?
                if peek == UInt8(ascii: "?") {
                    precondition(index + 1 < text.count && text[index + 1] == UInt8(ascii: ":"), "unsupported group")
                    index += 2
                } else {
                    capture = groups
                    groups += 1
                }
                let inner = alternation()
                precondition(peek == UInt8(ascii: ")"), "unbalanced group in a digit pattern")
                index += 1
                return .group(inner, capture: capture)
            default:
                preconditionFailure("unsupported character in a digit pattern: \(UnicodeScalar(c))")
            }
        }

        private mutating func digitClass() -> UInt16 {
            var mask: UInt16 = 0
            while let c = peek, c != UInt8(ascii: "]") {
                index += 1
                if c == UInt8(ascii: "\\") {
                    precondition(peek == UInt8(ascii: "d"), "unsupported escape in a digit class")
                    index += 1
                    mask |= 0x3FF
                    continue
                }
                let low = Int(c) - Int(UInt8(ascii: "0"))
                var high = low
                if peek == UInt8(ascii: "-"), index + 1 < text.count, text[index + 1] != UInt8(ascii: "]") {
                    high = Int(text[index + 1]) - Int(UInt8(ascii: "0"))
                    index += 2
                }
                precondition((0...9).contains(low) && (low...9).contains(high), "unsupported digit class")
                for d in low...high { mask |= 1 << UInt16(d) }
            }
            precondition(peek == UInt8(ascii: "]"), "unterminated digit class")
            index += 1
            return mask
        }

        private mutating func quantifier() -> (min: Int, max: Int)? {
            switch peek {
            case UInt8(ascii: "?"):
                index += 1
                return (0, 1)
            case UInt8(ascii: "{"):
                index += 1
                let min = number()
                var max = min
                if peek == UInt8(ascii: ",") {
                    index += 1
                    max = number()
                }
                precondition(peek == UInt8(ascii: "}") && max >= min, "unsupported repetition in a digit pattern")
                index += 1
                return (min, max)
            default:
                return nil
            }
        }

        private mutating func number() -> Int {
            var value = 0
            var any = false
            while let c = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) {
                value = value * 10 + Int(c - UInt8(ascii: "0"))
                index += 1
                any = true
            }
            precondition(any, "a repetition needs a number")
            return value
        }
    }
}
