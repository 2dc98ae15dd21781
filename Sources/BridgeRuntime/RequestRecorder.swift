import BridgeCore
import Foundation
import Logging

/// `serve --record DIR`: saves every accepted request as a recording a test case can name (`request:`):
/// `DIR/<pipeline>/<time>-<id>.yaml` and the exact body bytes beside it. Credentials are redacted; the
/// recording says its signature was verified at intake, so `crisp-bridge test` does not check it again.
public struct RequestRecorder: Sendable {
    let folder: String
    let logger: Logger

    public init(folder: String, logger: Logger) {
        self.folder = folder
        self.logger = logger
    }

    func record(pipeline: String, request: WebhookRequest, ids: [String]) {
        let stamp = Timestamp(milliseconds: Int64((request.receivedAt.timeIntervalSince1970 * 1000).rounded())).iso8601
        let compact = stamp.filter { $0.isNumber || $0 == "T" || $0 == "Z" }
        let id = String((ids.first ?? "request").map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }.prefix(40))
        let base = "\(compact)-\(id)"
        let directory = "\(folder)/\(pipeline)"
        var lines = [
            "# recorded by crisp-bridge serve; credentials redacted; the signature was verified at intake",
            "method: \(request.method)", "path: \(Self.quoted(request.path))", "query: \(Self.quoted(request.query))",
            "received_at: \(Self.quoted(stamp))", "verified: true", "headers:",
        ]
        for (name, value) in HeaderRedaction.redact(request.headers).sorted(by: { $0.key < $1.key }) {
            lines.append("  \(Self.quoted(name)): \(Self.quoted(value))")
        }
        lines.append("body_file: \(base).body")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try request.body.write(to: URL(fileURLWithPath: "\(directory)/\(base).body"), options: .atomic)
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(
                to: URL(fileURLWithPath: "\(directory)/\(base).yaml"), options: .atomic)
        } catch {
            logger.error("cannot record the request in \(directory): \(error)")
        }
    }

    /// A YAML double-quoted scalar (JSON string syntax is valid YAML).
    static func quoted(_ text: String) -> String {
        JSONValue.string(text).jsonText
    }
}
