/// `crisp.data`: write the profile's custom data: `merge` (PATCH), `replace` (PUT), `unset` keys.
struct DataAction: CrispAction {
    var name: String { "crisp.data" }
    var required: [String] { ["email"] }
    var fields: [String: FieldSchema] { Self.schema }
    static let schema: [String: FieldSchema] = [
        "email": .text, "merge": .customData, "replace": .customData, "unset": .list(.text),
    ]

    func check(_ members: [ValueTemplate.Member], at location: SourceLocation, diagnostics: inout DiagnosticCollector) {
        let keys = Set(members.map(\.key))
        if keys.contains("merge"), keys.contains("replace") {
            diagnostics.error("crisp.data takes 'merge' (PATCH) or 'replace' (PUT), not both", at: location)
        } else if keys.contains("replace"), keys.contains("unset") {
            diagnostics.error(
                "crisp.data: 'unset' goes with 'merge'; a 'replace' already drops every key it omits", at: location)
        } else if !keys.contains("merge"), !keys.contains("replace"), !keys.contains("unset") {
            diagnostics.error("crisp.data needs 'merge', 'replace' or 'unset'", at: location)
        }
        for member in members where member.key == "unset" {
            if case .array(let elements, _) = member.value {
                for case .literal(.string(let key), let l) in elements where !CustomDataKey.isValidIgnoringCase(key) {
                    diagnostics.error("'\(key)' is not a valid Crisp custom-data key (1 to 50 of a-z 0-9 _ -)", at: l)
                }
            }
        }
    }

    func operation(_ fields: [String: JSONValue], at location: SourceLocation) throws(BridgeCoreError)
        -> CrispOperation?
    {
        // One pass over the members rather than a look-up per field: this runs for every event.
        var email, merge, replace, unset: JSONValue?
        for (key, value) in fields {
            switch key {
            case "email": email = value
            case "merge": merge = value
            case "replace": replace = value
            case "unset": unset = value
            default: break
            }
        }
        let address = try self.email(email, at: location)
        let keys = strings(unset).map { $0.lowercased() }
        for key in keys where !CustomDataKey.isValid(key) {
            throw BridgeCoreError(.invalidOperation, "crisp.data: cannot unset '\(key)': not a valid key", at: location)
        }
        if let replace = replace?.objectValue {
            return .data(DataUpdate(email: address, mode: .replace, data: replace, unset: []))
        }
        let data = merge?.objectValue ?? [:]
        if data.isEmpty, keys.isEmpty { return nil }
        return .data(DataUpdate(email: address, mode: .merge, data: data, unset: keys))
    }
}
