/// `crisp.event`: add an event to the profile's timeline (text ≤ 80 characters, data ≤ 10 keys, a colour).
struct EventAction: CrispAction {
    static let maxText = 80
    static let maxDataKeys = 10

    var name: String { "crisp.event" }
    var required: [String] { ["email", "text"] }
    var fields: [String: FieldSchema] { Self.schema }
    static let schema: [String: FieldSchema] = ["email": .text, "text": .text, "data": .customData, "color": .color]

    func check(_ members: [ValueTemplate.Member], at location: SourceLocation, diagnostics: inout DiagnosticCollector) {
        for member in members {
            if member.key == "text", case .literal(.string(let text), let l) = member.value, text.count > Self.maxText {
                diagnostics.error(
                    "crisp.event text is \(text.count) characters; Crisp takes at most \(Self.maxText)", at: l)
            }
            if member.key == "data", case .object(let data, let l) = member.value, data.count > Self.maxDataKeys {
                diagnostics.error(
                    "crisp.event data has \(data.count) keys; Crisp takes at most \(Self.maxDataKeys)", at: l)
            }
        }
    }

    func operation(_ fields: [String: JSONValue], at location: SourceLocation) throws(BridgeCoreError)
        -> CrispOperation?
    {
        let email = try email(fields, at: location)
        guard let text = fields["text"]?.stringValue, !text.isEmpty else {
            throw BridgeCoreError(.invalidOperation, "crisp.event: text is empty", at: location)
        }
        guard text.count <= Self.maxText else {
            throw BridgeCoreError(
                .invalidOperation, "crisp.event: text is \(text.count) characters; Crisp takes at most \(Self.maxText)",
                at: location)
        }
        let data = fields["data"]?.objectValue ?? [:]
        guard data.count <= Self.maxDataKeys else {
            throw BridgeCoreError(
                .invalidOperation, "crisp.event: data has \(data.count) keys; Crisp takes at most \(Self.maxDataKeys)",
                at: location)
        }
        return .event(ProfileEvent(email: email, text: text, data: data, color: fields["color"]?.stringValue))
    }
}
