/// `crisp.conversation`: write a conversation's meta, by its `session_id`: custom data merged into the
/// conversation's (session data, which agents see beside the conversation), segments added, and its nickname,
/// email and phone set.
struct ConversationAction: CrispAction {
    var name: String { "crisp.conversation" }
    var required: [String] { ["session_id"] }
    var fields: [String: FieldSchema] { Self.schema }
    static let schema: [String: FieldSchema] = [
        "session_id": .text, "data": .customData, "segments": .list(.text), "nickname": .text, "email": .text,
        "phone": .text,
    ]

    func check(_ members: [ValueTemplate.Member], at location: SourceLocation, diagnostics: inout DiagnosticCollector) {
        if !members.contains(where: { $0.key != "session_id" }) {
            diagnostics.error(
                "crisp.conversation needs something to write: 'data', 'segments', 'nickname', 'email' or 'phone'",
                at: location)
        }
    }

    func operation(_ fields: [String: JSONValue], at location: SourceLocation) throws(BridgeCoreError)
        -> CrispOperation?
    {
        let session = try sessionID(fields, at: location)
        var update = ConversationUpdate(
            sessionID: session, data: fields["data"]?.objectValue ?? [:], segments: strings(fields["segments"]),
            nickname: nonEmpty(fields["nickname"]), phone: nonEmpty(fields["phone"]))
        if let email = nonEmpty(fields["email"]) {
            guard EmailAddress.isValid(email) else {
                throw BridgeCoreError(
                    .invalidOperation,
                    "crisp.conversation: \"\(email)\" is not a valid email address (normalise it with email(…))",
                    at: location)
            }
            update.email = email
        }
        return update.isEmpty ? nil : .conversation(update)
    }

    private func nonEmpty(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return text
    }
}
