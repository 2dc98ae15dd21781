/// What became of one request: refused at the door, or split into events with an outcome each.
public enum RequestOutcome: Sendable {
    /// Refused: the HTTP status to answer (401 for a failed verification, 400, 415…) and why.
    case rejected(status: Int, reason: String)
    case events([EventOutcome])
    /// The sender's set-up handshake (Notion's verification token): answered, nothing delivered.
    case handshake

    /// The outcome as test files write expectations: a list per event, or `{rejected: status, reason: text}`.
    public var expectationJSON: JSONValue {
        switch self {
        case .rejected(let status, let reason):
            .object(["rejected": .number(Double(status)), "reason": .string(ExpectationWriter.withoutLocation(reason))])
        case .events(let events): .array(events.map(\.expectationJSON))
        case .handshake: .string("handshake")
        }
    }
}

/// What became of one event: a plan of Crisp operations, skipped (by `when`, or by a `skip:` rule with its reason),
/// or failed with a reason.
public struct EventOutcome: Sendable {
    public enum Status: Sendable {
        case planned([CrispOperation])
        /// `when` was false (no reason), or a `skip:` rule held (its reason).
        case skipped(reason: String?)
        /// `retryable` is true when trying again later may succeed (an enrichment call answered 5xx or 429).
        case failed(reason: String, retryable: Bool)
    }

    /// The event's position in the request (0 for a request that is one event).
    public var index: Int
    /// The dedupe id: from `id:`, the sender's default, or a hash of the body.
    public var id: String
    public var status: Status
    /// Things worth knowing that did not stop the event (e.g. a custom-data key lower-cased).
    public var warnings: [String]

    /// The per-event shape of test expectations: the operations, `skipped` (`{skipped: reason}` for a `skip:`
    /// rule), or `{failed: reason}`.
    public var expectationJSON: JSONValue {
        switch status {
        case .planned(let operations): .array(operations.map(\.json))
        case .skipped(nil): .string("skipped")
        case .skipped(let reason?): .object(["skipped": .string(reason)])
        case .failed(let reason, _): .object(["failed": .string(reason)])
        }
    }

    /// The line `plan` prints, `{id, status, operations | reason}`, as a value (`writePlanJSON` writes its text
    /// without building it; the tests hold the two to the same bytes).
    public var planJSON: JSONValue {
        var o: [String: JSONValue]
        switch status {
        case .planned(let operations):
            o = ["id": .string(id), "status": "planned", "operations": .array(operations.map(\.json))]
        case .skipped(let reason):
            o = ["id": .string(id), "status": "skipped"]
            if let reason { o["reason"] = .string(reason) }
        case .failed(let reason, let retryable):
            o = ["id": .string(id), "status": "failed", "reason": .string(reason), "retryable": .bool(retryable)]
        }
        if !warnings.isEmpty { o["warnings"] = .array(warnings.map { .string($0) }) }
        return .object(o)
    }

    /// Appends the line `plan` prints to `out`: `planJSON.jsonText`, compact JSON with its keys in order (`id`,
    /// `operations`, `reason`, `retryable`, `status`, `warnings`), written straight from the outcome without
    /// building its value.
    public func writePlanJSON(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        JSONValue.writeString("id", to: &out)
        out.append(UInt8(ascii: ":"))
        JSONValue.writeString(id, to: &out)
        let status: String
        switch self.status {
        case .planned(let operations):
            out.append(contentsOf: #","operations":["#.utf8)
            for (i, operation) in operations.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                operation.writeJSON(to: &out)
            }
            out.append(UInt8(ascii: "]"))
            status = "planned"
        case .skipped(let reason):
            if let reason {
                out.append(contentsOf: #","reason":"#.utf8)
                JSONValue.writeString(reason, to: &out)
            }
            status = "skipped"
        case .failed(let reason, let retryable):
            out.append(contentsOf: #","reason":"#.utf8)
            JSONValue.writeString(reason, to: &out)
            out.append(contentsOf: #","retryable":"#.utf8)
            out.append(contentsOf: (retryable ? "true" : "false").utf8)
            status = "failed"
        }
        out.append(contentsOf: #","status":"#.utf8)
        JSONValue.writeString(status, to: &out)
        if !warnings.isEmpty {
            out.append(contentsOf: #","warnings":"#.utf8)
            JSONValue.array(warnings.map { .string($0) }).writeJSON(to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}
