import BridgeCore
import Foundation

/// One operation an attempt carried out or tried: `events show`, the admin API and the console list them
/// under the attempt (`crisp.profile ada@example.com: created`, `crisp.data ada@example.com: unchanged, not
/// sent`, `http POST hooks.example.com: refused 400 …`).
public struct OperationLog: Sendable, Hashable {
    /// Its place in the plan (0 is the first).
    public var index: Int
    /// `crisp.profile`, `crisp.data`, `http`, …
    public var action: String
    /// Whom it is about: the contact's email, a conversation, a host.
    public var subject: String
    /// What came of it.
    public var result: String

    public init(index: Int, action: String, subject: String, result: String) {
        self.index = index
        self.action = action
        self.subject = subject
        self.result = result
    }

    public var json: JSONValue {
        [
            "index": .number(Double(index)), "action": .string(action), "subject": .string(subject),
            "result": .string(result),
        ]
    }

    /// The stored form: a JSON list, nil when empty.
    static func text(_ operations: [OperationLog]) -> String? {
        operations.isEmpty ? nil : JSONValue.array(operations.map(\.json)).jsonText
    }

    /// The list read back from its stored form.
    static func parse(_ text: String?) -> [OperationLog] {
        guard let text, let list = try? JSONValue.parse(Data(text.utf8)).arrayValue else { return [] }
        return list.compactMap { item in
            guard let action = item["action"].stringValue, let result = item["result"].stringValue else { return nil }
            return OperationLog(
                index: Int(item["index"].numberValue ?? 0), action: action,
                subject: item["subject"].stringValue ?? "", result: result)
        }
    }
}
