/// Compares an expected JSON value with an actual one and lists the differences, each at its path.
///
/// Object key order never matters. In subset mode (`contains:`) objects may have extra keys and lists may have
/// extra elements (the expected ones must appear in order). A `{failed: text}` expectation matches a failure
/// whose reason contains the text.
public enum JSONDiff {
    public enum PathComponent: Sendable, Equatable {
        case index(Int)
        case key(String)
    }

    public struct Difference: Sendable, CustomStringConvertible {
        public let path: [PathComponent]
        public let expected: JSONValue?
        public let actual: JSONValue?

        /// Where, as people read it: `event 1, operation 2 › crisp.data.merge.hubspot_id`.
        public var place: String {
            var parts: [String] = []
            var keys: [String] = []
            for (depth, component) in path.enumerated() {
                switch component {
                case .index(let i) where depth == 0: parts.append("event \(i + 1)")
                case .index(let i) where depth == 1: parts.append("operation \(i + 1)")
                case .index(let i): keys.append("[\(i)]")
                case .key(let k): keys.append(keys.isEmpty ? k : ".\(k)")
                }
            }
            var out = parts.joined(separator: ", ")
            if !keys.isEmpty { out += (out.isEmpty ? "" : " › ") + keys.joined() }
            return out.isEmpty ? "the result" : out
        }

        public var description: String { description(expected: "expected", actual: "actual") }

        /// The place, then both values on lines of their own, labelled as given (`diff` says `before` and
        /// `after`); a missing value is `(nothing)`.
        public func description(expected expectedLabel: String, actual actualLabel: String) -> String {
            let width = max(expectedLabel.count, actualLabel.count) + 1
            let label = { (name: String) in name + ":" + String(repeating: " ", count: width - name.count) }
            return "\(place)\n    \(label(expectedLabel))\(expected.map(\.jsonText) ?? "(nothing)")"
                + "\n    \(label(actualLabel))\(actual.map(\.jsonText) ?? "(nothing)")"
        }
    }

    public static func differences(expected: JSONValue, actual: JSONValue, subset: Bool = false) -> [Difference] {
        var out: [Difference] = []
        compare(expected, actual, path: [], subset: subset, into: &out)
        return out
    }

    private static func compare(
        _ expected: JSONValue, _ actual: JSONValue, path: [PathComponent], subset: Bool, into out: inout [Difference]
    ) {
        switch (expected, actual) {
        case (.object(let e), .object(let a)):
            if path.count == 1, e.count == 1, case .string(let wanted)? = e["failed"],
                case .string(let reason)? = a["failed"]
            {
                if !reason.contains(wanted) {
                    out.append(
                        Difference(path: path + [.key("failed")], expected: .string(wanted), actual: .string(reason)))
                }
                return
            }
            let keys = subset ? Set(e.keys) : Set(e.keys).union(a.keys)
            for key in keys.sorted() {
                switch (e[key], a[key]) {
                case (let ev?, let av?): compare(ev, av, path: path + [.key(key)], subset: subset, into: &out)
                case (let ev?, nil): out.append(Difference(path: path + [.key(key)], expected: ev, actual: nil))
                case (nil, let av?): out.append(Difference(path: path + [.key(key)], expected: nil, actual: av))
                default: break
                }
            }
        case (.array(let e), .array(let a)) where subset:
            var position = 0
            for (i, ev) in e.enumerated() {
                var found = false
                while position < a.count {
                    var trial: [Difference] = []
                    compare(ev, a[position], path: path + [.index(position)], subset: true, into: &trial)
                    position += 1
                    if trial.isEmpty {
                        found = true
                        break
                    }
                }
                if !found { out.append(Difference(path: path + [.index(i)], expected: ev, actual: nil)) }
            }
        case (.array(let e), .array(let a)):
            for i in 0..<max(e.count, a.count) {
                if i < e.count, i < a.count {
                    compare(e[i], a[i], path: path + [.index(i)], subset: subset, into: &out)
                } else {
                    out.append(
                        Difference(
                            path: path + [.index(i)], expected: i < e.count ? e[i] : nil,
                            actual: i < a.count ? a[i] : nil))
                }
            }
        default:
            if expected != actual { out.append(Difference(path: path, expected: expected, actual: actual)) }
        }
    }
}
