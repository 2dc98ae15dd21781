/// A YAML value of a pipeline with its `${{ }}` parts compiled: literal, one expression, interpolated text,
/// or a list or mapping of those.
indirect enum ValueTemplate: Sendable {
    /// A mapping's member. Immutable, and a class so that evaluating a mapping costs one reference count per
    /// member, not one per field.
    final class Member: Sendable {
        let key: String
        let value: ValueTemplate
        let location: SourceLocation

        init(key: String, value: ValueTemplate, location: SourceLocation) {
            self.key = key
            self.value = value
            self.location = location
        }
    }

    enum TextPart: Sendable {
        case text(String)
        case expression(CompiledExpression)
    }

    case literal(JSONValue, SourceLocation)
    /// Exactly one `${{ expr }}`: the result keeps its type.
    case expression(CompiledExpression)
    /// Text with expressions inside: always text; `null` results read as empty text.
    case text([TextPart], SourceLocation)
    case array([ValueTemplate], SourceLocation)
    case object([Member], SourceLocation)

    var location: SourceLocation {
        switch self {
        case .literal(_, let l), .text(_, let l), .array(_, let l), .object(_, let l): l
        case .expression(let e): e.location
        }
    }

    /// The frame slots the template's expressions read.
    var slotsRead: Set<Int> {
        switch self {
        case .literal: []
        case .expression(let e): e.root.slotsRead
        case .text(let parts, _):
            parts.reduce(into: Set<Int>()) { if case .expression(let e) = $1 { $0.formUnion(e.root.slotsRead) } }
        case .array(let elements, _): elements.reduce(into: Set<Int>()) { $0.formUnion($1.slotsRead) }
        case .object(let members, _): members.reduce(into: Set<Int>()) { $0.formUnion($1.value.slotsRead) }
        }
    }

    /// The member `key` of an object template.
    func member(_ key: String) -> ValueTemplate? {
        if case .object(let members, _) = self { return members.first { $0.key == key }?.value }
        return nil
    }

    /// Evaluates the template. `null` members of mappings and `null` elements of lists are left out, and so are
    /// mappings whose members all came out `null`.
    func evaluate(_ frame: inout [JSONValue]) throws(BridgeCoreError) -> JSONValue {
        switch self {
        case .literal(let value, _):
            return value
        case .expression(let e):
            return try e.evaluate(&frame)
        case .text(let parts, _):
            var out = ""
            for part in parts {
                switch part {
                case .text(let s): out += s
                case .expression(let e):
                    switch try e.evaluate(&frame) {
                    case .null: break
                    case .string(let s): out += s
                    case .number(let n): out += JSONValue.format(number: n)
                    case .bool(let b): out += b ? "true" : "false"
                    case let other: out += other.jsonText
                    }
                }
            }
            return .string(out)
        case .array(let elements, _):
            var out: [JSONValue] = []
            out.reserveCapacity(elements.count)
            for element in elements {
                let value = try element.evaluate(&frame)
                if !value.isNull { out.append(value) }
            }
            return .array(out)
        case .object(let members, _):
            var out = [String: JSONValue](minimumCapacity: members.count)
            for member in members {
                let value = try member.value.evaluate(&frame)
                if value.isNull { continue }
                // A mapping whose every member came out null is left out too; a literal `{}` is kept.
                if case .object(let o) = value, o.isEmpty, case .object(let written, _) = member.value, !written.isEmpty
                {
                    continue
                }
                out[member.key] = value
            }
            return .object(out)
        }
    }
}
