/// Crisp's web hooks caused by crisp-bridge's own writes, which a pipeline must not act on again (it would
/// trigger itself forever): a message hook about a note crisp-bridge posted (its notes carry the author
/// `crisp-bridge`).
///
/// Writes to a conversation's meta need no such rule: `crisp.conversation` writes nothing when the conversation
/// already holds its values, so a pipeline that acts on the hook its write caused settles after one read; and the
/// runtime's per-conversation guard bounds any loop that writes changing values.
public enum CrispEcho {
    /// The nickname crisp-bridge posts its notes under.
    public static let noteAuthor = "crisp-bridge"

    /// Why `event` (a Crisp web hook's envelope) was caused by crisp-bridge itself, or nil.
    public static func reason(_ event: JSONValue) -> String? {
        guard case .string(let name) = event["event"], name.hasPrefix("message:"), event["website_id"] != .null
        else { return nil }
        let data = event["data"]
        guard data["from"].stringValue == "operator", data["user"]["nickname"].stringValue == noteAuthor else {
            return nil
        }
        let session = data["session_id"].stringValue ?? "?"
        return
            "a Crisp \(name) hook about a message crisp-bridge posted (session \(session)): not acted on, so a pipeline never triggers itself"
    }
}
