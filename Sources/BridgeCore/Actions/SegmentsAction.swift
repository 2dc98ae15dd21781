/// `crisp.segments`: add segments to the profile, or remove them, keeping the others.
struct SegmentsAction: CrispAction {
    var name: String { "crisp.segments" }
    var required: [String] { ["email"] }
    var fields: [String: FieldSchema] { Self.schema }
    static let schema: [String: FieldSchema] = ["email": .text, "add": .list(.text), "remove": .list(.text)]

    func check(_ members: [ValueTemplate.Member], at location: SourceLocation, diagnostics: inout DiagnosticCollector) {
        if !members.contains(where: { $0.key == "add" || $0.key == "remove" }) {
            diagnostics.error("crisp.segments needs 'add' or 'remove'", at: location)
        }
    }

    func operation(_ fields: [String: JSONValue], at location: SourceLocation) throws(BridgeCoreError)
        -> CrispOperation?
    {
        let email = try email(fields, at: location)
        let add = strings(fields["add"])
        let remove = strings(fields["remove"])
        if add.isEmpty, remove.isEmpty { return nil }
        return .segments(SegmentsUpdate(email: email, add: add, remove: remove))
    }
}
