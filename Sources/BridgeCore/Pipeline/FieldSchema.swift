/// The shape of an action's fields: checked on literals when the pipeline loads, and on every evaluated value.
///
/// Only `list` is indirect: a mapping's dictionary is already a reference, so `.object(fields)`, built for every
/// action of every event, allocates nothing.
enum FieldSchema: Sendable {
    case text
    case number
    case boolean
    indirect case list(FieldSchema)
    /// A mapping with a fixed set of keys.
    case object([String: FieldSchema])
    /// Crisp custom data: keys `^[a-z0-9_-]{1,50}$`, values text, number or boolean.
    case customData
    /// One of Crisp's event colours.
    case color

    static let colors = ["red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "grey", "black"]

    var expected: String {
        switch self {
        case .text, .color: "text"
        case .number: "a number"
        case .boolean: "a boolean"
        case .list: "a list"
        case .object, .customData: "a mapping"
        }
    }

    /// Checks a template's literal parts when the pipeline loads (expressions are checked when they run).
    func check(_ template: ValueTemplate, path: String, diagnostics: inout DiagnosticCollector) {
        switch (self, template) {
        case (_, .expression):
            return
        case (.object(let fields), .object(let members, _)):
            for member in members {
                let memberPath = path.isEmpty ? member.key : "\(path).\(member.key)"
                guard let field = fields[member.key] else {
                    var message = "unknown field '\(memberPath)'"
                    if let s = closest(to: member.key, in: Array(fields.keys)) { message += "; did you mean '\(s)'?" }
                    message += " (allowed here: \(fields.keys.sorted().joined(separator: ", ")))"
                    diagnostics.error(message, at: member.location)
                    continue
                }
                field.check(member.value, path: memberPath, diagnostics: &diagnostics)
            }
        case (.customData, .object(let members, _)):
            for member in members {
                if !CustomDataKey.isValidIgnoringCase(member.key) {
                    let fix = CustomDataKey.make(from: member.key).map { "; for example '\($0)'" } ?? ""
                    diagnostics.error(
                        "'\(member.key)' is not a valid Crisp custom-data key: use 1 to 50 of a-z 0-9 _ -\(fix)",
                        at: member.location)
                } else if !CustomDataKey.isValid(member.key) {
                    diagnostics.warning(
                        "custom-data key '\(member.key)' has upper case; it is written as '\(member.key.lowercased())'",
                        at: member.location)
                }
                if case .literal(let v, let l) = member.value, !v.isScalarData {
                    diagnostics.error(
                        "custom-data values must be text, numbers or booleans, found \(v.typeName)", at: l)
                }
                if case .array(_, let l) = member.value {
                    diagnostics.error("custom-data values must be text, numbers or booleans, found a list", at: l)
                }
                if case .object(_, let l) = member.value {
                    diagnostics.error("custom-data values must be text, numbers or booleans, found a mapping", at: l)
                }
            }
        case (.list(let element), .array(let elements, _)):
            for (i, e) in elements.enumerated() { element.check(e, path: "\(path)[\(i)]", diagnostics: &diagnostics) }
        case (.color, .literal(.string(let c), let l)):
            if !Self.colors.contains(c) {
                diagnostics.error("'\(c)' is not a Crisp event colour (\(Self.colors.joined(separator: ", ")))", at: l)
            }
        case (_, .literal(.null, _)):
            return
        case (.text, .literal(.string, _)), (.text, .text), (.color, .text), (.number, .literal(.number, _)),
            (.boolean, .literal(.bool, _)):
            return
        case (.text, .literal(.number, _)), (.text, .literal(.bool, _)):
            return  // written as text when sent
        default:
            diagnostics.error("'\(path)' must be \(expected)", at: template.location)
        }
    }

    /// Checks and normalises an evaluated value. Upper-case custom-data keys are lower-cased with a warning.
    /// `path` is built only when needed (a failure, a warning, or a nested value), off the hot path.
    func validate(
        _ value: JSONValue, path pathText: @autoclosure () -> String, template: ValueTemplate?,
        at location: SourceLocation, warnings: inout [String]
    ) throws(BridgeCoreError) -> JSONValue {
        try normalized(value, path: pathText(), template: template, at: location, warnings: &warnings) ?? value
    }

    /// `validate`, giving nil when the value passes unchanged (most do), so that nothing is copied or compared.
    /// The template and place of a member are looked up only for a message (`here`), off the hot path.
    private func normalized(
        _ value: JSONValue, path pathText: @autoclosure () -> String, template: @autoclosure () -> ValueTemplate?,
        at location: @autoclosure () -> SourceLocation, warnings: inout [String]
    ) throws(BridgeCoreError) -> JSONValue? {
        var here: SourceLocation { template()?.location ?? location() }
        var path: String { pathText() }
        func fail(_ message: String) -> BridgeCoreError {
            BridgeCoreError(.invalidOperation, message, at: here)
        }
        switch (self, value) {
        case (.text, .string), (.number, .number), (.boolean, .bool):
            return nil
        case (.text, .number(let n)):
            return .string(JSONValue.format(number: n))
        case (.text, .bool(let b)):
            return .string(b ? "true" : "false")
        case (.color, .string(let c)):
            guard Self.colors.contains(c) else {
                throw fail("\(path): '\(c)' is not a Crisp event colour (\(Self.colors.joined(separator: ", ")))")
            }
            return nil
        case (.list(let element), .array(let elements)):
            // The path is only built for a message: not on the way of every value that passes. Most values pass
            // unchanged: a new list or mapping is built only when an element or member was normalised.
            var out: [JSONValue]?
            for (i, e) in elements.enumerated() {
                if let checked = try element.normalized(
                    e, path: "\(path)[\(i)]", template: nil, at: here, warnings: &warnings)
                {
                    if out == nil { out = elements }
                    out![i] = checked
                }
            }
            return out.map(JSONValue.array)
        case (.object(let fields), .object(let members)):
            var out: [String: JSONValue]?
            for (key, v) in members {
                guard let field = fields[key] else {
                    throw fail(
                        "\(path): unknown field '\(key)' (allowed: \(fields.keys.sorted().joined(separator: ", ")))")
                }
                if let checked = try field.normalized(
                    v, path: path.isEmpty ? key : "\(path).\(key)", template: template()?.member(key), at: here,
                    warnings: &warnings)
                {
                    if out == nil { out = members }
                    out![key] = checked
                }
            }
            return out.map(JSONValue.object)
        case (.customData, .object(let members)):
            if members.allSatisfy({ CustomDataKey.isValid($0.key) && $0.value.isScalarData }) { return nil }
            let path = path
            var out: [String: JSONValue] = [:]
            for key in members.keys.sorted() {
                let v = members[key]!
                var writtenKey = key
                if !CustomDataKey.isValid(key) {
                    guard CustomDataKey.isValidIgnoringCase(key) else {
                        throw fail("\(path): '\(key)' is not a valid Crisp custom-data key (1 to 50 of a-z 0-9 _ -)")
                    }
                    writtenKey = key.lowercased()
                    warnings.append("\(path): custom-data key '\(key)' written as '\(writtenKey)'")
                }
                guard v.isScalarData else {
                    throw fail(
                        "\(path).\(key): custom-data values must be text, numbers or booleans, got \(v.typeName)")
                }
                out[writtenKey] = v
            }
            return .object(out)
        default:
            throw fail("\(path) must be \(expected), got \(value.typeName) \(value.shortText)")
        }
    }
}

extension JSONValue {
    /// Whether Crisp accepts this as a custom-data value.
    var isScalarData: Bool {
        switch self {
        case .string, .number, .bool: true
        default: false
        }
    }
}
