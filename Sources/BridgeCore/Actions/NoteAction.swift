/// `crisp.note`: post a private note for the operators into a conversation, by its `session_id` (visitors never
/// see notes). Posted once per event, even when delivery is retried.
struct NoteAction: CrispAction {
    var name: String { "crisp.note" }
    var required: [String] { ["session_id", "text"] }
    var fields: [String: FieldSchema] { Self.schema }
    static let schema: [String: FieldSchema] = ["session_id": .text, "text": .text]

    func operation(_ fields: [String: JSONValue], at location: SourceLocation) throws(BridgeCoreError)
        -> CrispOperation?
    {
        let session = try sessionID(fields, at: location)
        guard let text = fields["text"]?.stringValue, !text.trimmed.isEmpty else {
            throw BridgeCoreError(.invalidOperation, "crisp.note: text is empty", at: location)
        }
        return .note(ConversationNote(sessionID: session, text: text))
    }
}
