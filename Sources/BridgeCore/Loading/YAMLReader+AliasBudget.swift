import Yams

extension YAMLReader {
    /// How many nodes aliases may add to a file, beyond one node per byte of its text. A YAML file can only
    /// hold more nodes than it has bytes by repeating anchors (`*name`); this bounds an "alias bomb" (lists of
    /// lists of aliases, each level multiplying the last) to a walk of a few hundred thousand nodes.
    static let aliasNodeBudget = 100_000

    /// Whether the composed tree, with every alias expanded, stays within the budget. Counting stops as soon
    /// as it is exceeded, so the check itself is bounded; when it is, the error points at the deepest mapping
    /// key on the way to where the walk stopped (where the aliases were written).
    mutating func checkAliasExpansion(_ root: Node) -> Bool {
        let limit = source.text.utf8.count + Self.aliasNodeBudget
        var count = 0
        // Depth-first with an explicit stack: (node, the nearest key above it).
        var stack: [(Node, Node?)] = [(root, nil)]
        while let (node, key) = stack.popLast() {
            count += 1
            if count > limit {
                diagnostics.error(
                    "YAML: the aliases (*name) in this file expand to more than \(limit) values; "
                        + "write the values out, or refer to fewer anchors",
                    at: location(key ?? node))
                return false
            }
            switch node {
            case .scalar, .alias: break
            case .sequence(let sequence):
                for child in sequence.reversed() { stack.append((child, key)) }
            case .mapping(let mapping):
                for (childKey, value) in mapping.reversed() {
                    stack.append((value, childKey))
                    stack.append((childKey, key))
                }
            }
        }
        return true
    }
}
