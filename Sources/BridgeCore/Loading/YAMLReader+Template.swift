import Yams

extension YAMLReader {
    /// Compiles a YAML value into a template: literals stay literal, `${{ }}` parts become expressions.
    mutating func template(_ node: Node, names: inout NameTable) -> ValueTemplate {
        let here = location(node)
        switch node {
        case .scalar(let scalar):
            guard Template.mayContainExpression(scalar.string) else {
                return .literal(Self.scalarValue(scalar), here)
            }
            let origin = origin(of: node)
            let parts: [Template.Part]
            do {
                parts = try Template.parts(of: scalar.string)
            } catch {
                diagnostics.error(error.message, at: origin.location(at: error.offset))
                return .literal(.null, here)
            }
            var compiled: [ValueTemplate.TextPart] = []
            for part in parts {
                switch part {
                case .text(let s):
                    compiled.append(.text(s))
                case .expression(let text, let offset):
                    let sub = origin.slice(from: offset, length: text.unicodeScalars.count)
                    if let e = CompiledExpression.compile(text, origin: sub, names: &names, diagnostics: &diagnostics) {
                        compiled.append(.expression(e))
                    }
                }
            }
            if parts.count == 1, compiled.count == 1, case .expression(let e) = compiled[0] {
                return .expression(e)
            }
            return .text(compiled, here)
        case .sequence(let sequence):
            return .array(sequence.map { template($0, names: &names) }, here)
        case .mapping:
            var members: [ValueTemplate.Member] = []
            for entry in mapping(node, "this mapping") ?? [] {
                members.append(
                    ValueTemplate.Member(
                        key: entry.key, value: template(entry.value, names: &names), location: location(entry.keyNode)))
            }
            return .object(members, here)
        case .alias:
            diagnostics.error("YAML aliases are not supported in pipelines", at: here)
            return .literal(.null, here)
        }
    }

    /// Compiles a field that takes a bare expression (`when`, `each`, `id`, `let` values). A value written as
    /// one `${{ … }}` is accepted too.
    mutating func expression(_ node: Node, _ what: String, names: inout NameTable) -> CompiledExpression? {
        guard case .scalar(let scalar) = node else {
            diagnostics.error("\(what) must be an expression (text), found \(describe(node))", at: location(node))
            return nil
        }
        var text = scalar.string
        var origin = origin(of: node)
        if let parts = try? Template.parts(of: text), parts.count == 1,
            case .expression(let inner, let offset) = parts[0]
        {
            origin = origin.slice(from: offset, length: inner.unicodeScalars.count)
            text = inner
        }
        if text.trimmingCharacters(in: .whitespaces).isEmpty {
            diagnostics.error("\(what) is empty: write an expression", at: location(node))
            return nil
        }
        return CompiledExpression.compile(text, origin: origin, names: &names, diagnostics: &diagnostics)
    }
}
