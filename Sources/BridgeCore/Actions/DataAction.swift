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
        let email = try email(fields, at: location)
        let unset = strings(fields["unset"]).map { $0.lowercased() }
        for key in unset where !CustomDataKey.isValid(key) {
            throw BridgeCoreError(.invalidOperation, "crisp.data: cannot unset '\(key)': not a valid key", at: location)
        }
        if let replace = fields["replace"]?.objectValue {
            return .data(DataUpdate(email: email, mode: .replace, data: replace, unset: []))
        }
        let merge = fields["merge"]?.objectValue ?? [:]
        if merge.isEmpty, unset.isEmpty { return nil }
        return .data(DataUpdate(email: email, mode: .merge, data: merge, unset: unset))
    }
}
