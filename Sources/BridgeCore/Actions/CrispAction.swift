/// One kind of Crisp action a pipeline can list under `actions:` (`crisp.profile`, `crisp.data`, …).
///
/// Each kind is one type registered by name in `CrispActionRegistry`: its fields' shape, the extra checks it
/// makes when the pipeline loads, and how its evaluated fields become a `CrispOperation`.
protocol CrispAction: Sendable {
    /// The key in the pipeline, e.g. `crisp.profile`.
    var name: String { get }
    /// The fields it takes and their shapes.
    var fields: [String: FieldSchema] { get }
    /// Fields that must be written.
    var required: [String] { get }
    /// Checks across fields that the schema cannot express (e.g. `merge` or `replace`, not both).
    func check(_ members: [ValueTemplate.Member], at location: SourceLocation, diagnostics: inout DiagnosticCollector)
    /// The operation for one event, from fields already checked against `fields`. Nil when there is nothing to do.
    func operation(_ fields: [String: JSONValue], at location: SourceLocation) throws(BridgeCoreError)
        -> CrispOperation?
}

extension CrispAction {
    func check(_ members: [ValueTemplate.Member], at location: SourceLocation, diagnostics: inout DiagnosticCollector) {
    }

    /// The `email` field, which every action needs: present and a valid address, else the event fails.
    func email(_ fields: [String: JSONValue], at location: SourceLocation) throws(BridgeCoreError) -> String {
        try email(fields["email"], at: location)
    }

    /// The same check of an `email` value the action has already looked up (nil when missing).
    func email(_ value: JSONValue?, at location: SourceLocation) throws(BridgeCoreError) -> String {
        guard case .string(let email)? = value else {
            throw BridgeCoreError(
                .invalidOperation, "\(name): email is missing (its expression gave null); Crisp needs one", at: location
            )
        }
        guard EmailAddress.isValid(email) else {
            throw BridgeCoreError(
                .invalidOperation, "\(name): \"\(email)\" is not a valid email address (normalise it with email(…))",
                at: location)
        }
        return email
    }

    /// The `session_id` field of a conversation action: present and not empty, else the event fails.
    func sessionID(_ fields: [String: JSONValue], at location: SourceLocation) throws(BridgeCoreError) -> String {
        guard case .string(let session)? = fields["session_id"], !session.trimmed.isEmpty else {
            throw BridgeCoreError(
                .invalidOperation,
                "\(name): session_id is missing (its expression gave null); Crisp's web hooks carry it as event.data.session_id",
                at: location)
        }
        let id = session.trimmed
        let allowed = id.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F
                || $0 == 0x2D
        }
        guard allowed, id.utf8.count <= 100 else {
            throw BridgeCoreError(
                .invalidOperation,
                "\(name): \"\(id.prefix(60))\" is not a Crisp session id (session_ and letters, digits, - or _)",
                at: location)
        }
        return id
    }

    func strings(_ value: JSONValue?) -> [String] {
        var seen = Set<String>()
        return (value?.arrayValue ?? []).compactMap { $0.stringValue }.filter {
            !$0.isEmpty && seen.insert($0).inserted
        }
    }
}

/// The Crisp actions a pipeline can use, by name.
struct CrispActionRegistry: Sendable {
    let actions: [String: any CrispAction]

    static let builtins = CrispActionRegistry(actions: [
        "crisp.profile": ProfileAction(), "crisp.data": DataAction(), "crisp.segments": SegmentsAction(),
        "crisp.event": EventAction(), "crisp.conversation": ConversationAction(), "crisp.note": NoteAction(),
    ])

    subscript(name: String) -> (any CrispAction)? { actions[name] }

    var names: [String] { actions.keys.sorted() }
}
