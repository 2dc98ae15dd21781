import Foundation
import Yams

/// A recorded request file (as `serve --record` saves them and test cases name them):
/// `method`, `path`, `query`, `headers`, `received_at`, and the body as `body` (text), `body_file` or `body_base64`;
/// `serve --record` adds `verified: true` and the answers of the request's fetch calls (`fetch:`, as in a test case).
public enum RequestRecording {
    static let keys = TestFormat.recording.names

    /// Whether a recording says its signature was checked when it was recorded (`verified: true`, as
    /// `serve --record` writes): its credentials are redacted, so tests do not check it again.
    static func isVerified(_ node: Node) -> Bool {
        guard case .mapping(let m) = node, let v = m["verified"] else { return false }
        return YAMLReader.scalarValue(v.scalar ?? Node.Scalar("")) == .bool(true)
    }

    /// Whether the recording file says `verified: true`.
    static func isVerifiedRecording(file: String) -> Bool {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), let root = try? Yams.compose(yaml: text)
        else { return false }
        return isVerified(root)
    }

    /// The `fetch:` answers saved in a recording file (as `serve --record` lists them), read relative to its
    /// folder: per fetch name, the answers in call order (`repeating`: names whose one answer serves every
    /// call). Empty when the file has none; problems are reported as diagnostics in that file.
    static func fetchAnswers(file: String) -> (
        answers: [String: [FetchResponse]], repeating: Set<String>, diagnostics: [Diagnostic]
    ) {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return ([:], [], []) }
        var recording = YAMLReader(source: SourceFile(path: file, text: text))
        guard let root = recording.compose(), case .mapping(let m) = root, let node = m["fetch"] else {
            return ([:], [], [])  // a file that does not parse is reported by `load`
        }
        let (answers, repeating) = TestSuiteLoader.answers(
            node, reader: &recording, folder: TestSuiteLoader.folder(of: file))
        return (answers, repeating, recording.diagnostics.diagnostics)
    }

    /// Loads a recording file. Problems are reported as diagnostics in that file.
    public static func load(file: String) -> (WebhookRequest?, [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            return (
                nil,
                [
                    Diagnostic(
                        .error, "cannot read the recorded request", at: SourceLocation(file: file, line: 1, column: 1))
                ]
            )
        }
        var reader = YAMLReader(source: SourceFile(path: file, text: text))
        guard let root = reader.compose() else { return (nil, reader.diagnostics.diagnostics) }
        let request = read(root, reader: &reader, relativeTo: TestSuiteLoader.folder(of: file), base: nil)
        return (request, reader.diagnostics.diagnostics)
    }

    /// Reads a request from a mapping (a recording, or a test case's inline request that may start from `base`).
    static func read(
        _ node: Node, reader: inout YAMLReader, relativeTo folder: String, base: WebhookRequest?,
        extraKeys: [String] = []
    ) -> WebhookRequest? {
        guard let entries = reader.mapping(node, "the request", allowed: keys + extraKeys) else { return nil }
        var request = base ?? WebhookRequest(path: "/", body: Data(), receivedAt: Date())
        var sawPath = base != nil
        var sawBody = base != nil
        for entry in entries {
            switch entry.key {
            case "method":
                if let m = reader.string(entry.value, "method") { request.method = m.uppercased() }
            case "path":
                if let p = reader.string(entry.value, "path") {
                    request.path = p
                    sawPath = true
                }
            case "query":
                if let q = reader.string(entry.value, "query") {
                    request.query = q.hasPrefix("?") ? String(q.dropFirst()) : q
                }
            case "headers":
                for h in reader.mapping(entry.value, "headers") ?? [] {
                    // A null header value removes the header (e.g. to test a request without credentials).
                    let value = reader.json(h.value)
                    request.headers[h.key.lowercased()] = value.isNull ? nil : (value.stringValue ?? value.jsonText)
                }
            case "received_at":
                let value = reader.json(entry.value)
                if let ms = try? Timestamp(value) {
                    request.receivedAt = Date(timeIntervalSince1970: Double(ms.milliseconds) / 1000)
                } else {
                    reader.diagnostics.error("received_at must be an ISO 8601 time", at: reader.location(entry.value))
                }
            case "body":
                if case .scalar(let s) = entry.value {
                    request.body = Data(s.string.utf8)
                } else {
                    request.body = Data(reader.json(entry.value).jsonText.utf8)
                }
                sawBody = true
            case "body_file":
                if let name = reader.string(entry.value, "body_file") {
                    let path = name.hasPrefix("/") ? name : "\(folder)/\(name)"
                    if let data = FileManager.default.contents(atPath: path) {
                        request.body = data
                        sawBody = true
                    } else {
                        reader.diagnostics.error("cannot read body_file \(path)", at: reader.location(entry.value))
                    }
                }
            case "body_base64":
                if let text = reader.string(entry.value, "body_base64") {
                    if let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) {
                        request.body = data
                        sawBody = true
                    } else {
                        reader.diagnostics.error("body_base64 is not Base64", at: reader.location(entry.value))
                    }
                }
            default:
                break
            }
        }
        if !sawPath { reader.diagnostics.error("the request needs a 'path'", at: reader.location(node)) }
        if !sawBody {
            reader.diagnostics.error(
                "the request needs 'body', 'body_file' or 'body_base64'", at: reader.location(node))
        }
        return request
    }
}
