import Yams

/// The nodes of a YAML document in document order, each with its line and path, to find where a value ends.
struct YAMLOutline {
    struct Entry {
        let line: Int
        let column: Int
        /// Keys and indexes from the root; a mapping key node's last component is `"<key>" + name`.
        let path: [String]
    }

    private(set) var entries: [Entry] = []
    let lineCount: Int

    init(_ root: Node, lineCount: Int) {
        self.lineCount = lineCount
        visit(root, path: [])
    }

    private mutating func visit(_ node: Node, path: [String]) {
        entries.append(Entry(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, path: path))
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                let name = key.string ?? ""
                entries.append(
                    Entry(line: key.mark?.line ?? 1, column: key.mark?.column ?? 1, path: path + ["<key>" + name]))
                visit(value, path: path + [name])
            }
        case .sequence(let sequence):
            for (i, element) in sequence.enumerated() { visit(element, path: path + [String(i)]) }
        default:
            break
        }
    }

    /// The first line after the node at `path` and everything inside it.
    func endLine(of path: [String]) -> Int {
        guard let start = entries.firstIndex(where: { $0.path == path }) else { return lineCount + 1 }
        var i = start + 1
        while i < entries.count, entries[i].path.starts(with: path) { i += 1 }
        return i < entries.count ? entries[i].line : lineCount + 1
    }

    func entry(_ path: [String]) -> Entry? {
        entries.first { $0.path == path }
    }
}
