import Foundation
import Yams

/// Reads test files: `pipeline`, `env`, `public_url`, `now`, and `cases` with `name`, `request`, `fetch`,
/// `env`, `now` and `expect`.
public enum TestSuiteLoader {
    static let topKeys = TestFormat.top.names
    static let caseKeys = TestFormat.caseKeys.names
    static let answerKeys = TestFormat.answerKeys.names

    public static func load(file: String) -> (TestSuite?, [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            return (
                nil,
                [Diagnostic(.error, "cannot read this test file", at: SourceLocation(file: file, line: 1, column: 1))]
            )
        }
        let source = SourceFile(path: file, text: text)
        var reader = YAMLReader(source: source)
        guard let root = reader.compose(),
            let top = reader.mapping(root, "the test file", allowed: topKeys, required: ["pipeline", "cases"])
        else { return (nil, reader.diagnostics.diagnostics) }
        let folder = TestSuiteLoader.folder(of: file)
        let outline = YAMLOutline(root, lineCount: source.lines.count)
        let entry = { (key: String) in top.first { $0.key == key } }

        var pipelineFile = ""
        if let p = entry("pipeline"), let name = reader.string(p.value, "pipeline") {
            pipelineFile = name.hasPrefix("/") ? name : (folder.isEmpty ? name : "\(folder)/\(name)")
            if !FileManager.default.fileExists(atPath: pipelineFile) {
                reader.diagnostics.error("pipeline file \(pipelineFile) does not exist", at: reader.location(p.value))
            }
        }
        let environment = entry("env").map { env(of: $0.value, reader: &reader) } ?? [:]
        let publicURL = entry("public_url").flatMap { reader.string($0.value, "public_url") }
        let now = entry("now").flatMap { time(of: $0.value, reader: &reader) }

        var cases: [TestSuite.Case] = []
        var names: Set<String> = []
        for (index, item) in (entry("cases").flatMap { reader.sequence($0.value, "cases") } ?? []).enumerated() {
            guard let fields = reader.mapping(item, "a test case", allowed: caseKeys, required: ["name"])
            else {
                continue
            }
            let field = { (key: String) in fields.first { $0.key == key } }
            guard let name = field("name").flatMap({ reader.string($0.value, "name") }) else { continue }
            if !names.insert(name).inserted {
                reader.diagnostics.error("duplicate case name '\(name)'", at: reader.location(field("name")!.value))
            }
            var poll: [FetchResponse]?
            if let pollNode = field("poll")?.value {
                if field("request") != nil {
                    reader.diagnostics.error(
                        "a case gives `request:` (a webhook) or `poll:` (a poll's recorded answers), not both",
                        at: reader.location(pollNode))
                }
                if case .sequence(let list) = pollNode {
                    poll = list.compactMap { answer($0, reader: &reader, folder: folder) }
                } else {
                    poll = answer(pollNode, reader: &reader, folder: folder).map { [$0] }
                }
            } else if field("request") == nil {
                reader.diagnostics.error(
                    "a test case needs `request:` (a recorded webhook) or `poll:` (a poll's recorded answers, one per page)",
                    at: reader.location(item))
                continue
            }
            for key in ["cursor", "expect_cursor"] where poll == nil {
                if let f = field(key) {
                    reader.diagnostics.error(
                        "`\(key):` belongs to a poll case (one with `poll:`)", at: reader.location(f.keyNode))
                }
            }
            let requestNode = field("request")?.value
            guard
                let request = requestNode.map({ loadRequest($0, reader: &reader, folder: folder) })
                    ?? WebhookRequest(path: "/poll", body: Data())
            else { continue }
            let recordedFile: String? = {
                if case .scalar(let s)? = requestNode { return s.string }
                if case .mapping(let m)? = requestNode { return m["file"]?.string }
                return nil
            }()
            let verified =
                recordedFile.map {
                    RequestRecording.isVerifiedRecording(file: $0.hasPrefix("/") ? $0 : "\(folder)/\($0)")
                } ?? requestNode.map(RequestRecording.isVerified) ?? false
            var (fetches, repeating) =
                field("fetch").map { answers($0.value, reader: &reader, folder: folder) } ?? ([:], [])
            if field("fetch") == nil, let recordedFile {
                // A recording made by `serve --record` carries the fetch answers it got.
                (fetches, repeating) = recordedAnswers(
                    file: recordedFile.hasPrefix("/") ? recordedFile : "\(folder)/\(recordedFile)", reader: &reader)
            }
            var caseEnvironment = environment
            let overrides = field("env").map { env(of: $0.value, reader: &reader) } ?? [:]
            caseEnvironment.merge(overrides) { _, new in new }

            var expected: JSONValue?
            var subset = false
            if let e = field("expect")?.value {
                expected = reader.json(e)
                if case .object(let o) = expected!, o.count == 1, let inner = o["contains"] {
                    expected = inner
                    subset = true
                }
                if !isExpectationShape(expected!) {
                    reader.diagnostics.error(
                        "expect is a list with one entry per event (a list of operations, `skipped`, or `{failed: text}`), "
                            + "`{rejected: status, reason: text}`, `handshake`, or `{contains: …}`",
                        at: reader.location(e))
                }
            }
            let casePath = ["cases", String(index)]
            let caseEntry = outline.entry(casePath)
            let keyEntry = outline.entry(casePath + ["<key>expect"])
            cases.append(
                TestSuite.Case(
                    name: name, location: reader.location(item), request: request, poll: poll,
                    cursor: field("cursor").map { reader.json($0.value) },
                    expectedCursor: field("expect_cursor").map { reader.json($0.value) },
                    expectedIDs: field("expect_ids").map { reader.json($0.value) },
                    expectedWarnings: field("expect_warnings").map { reader.json($0.value) },
                    verifySignatures: !verified,
                    fetches: fetches,
                    repeatingFetches: repeating, environment: caseEnvironment,
                    now: field("now").flatMap { time(of: $0.value, reader: &reader) } ?? now,
                    publicURL: field("public_url").flatMap { reader.string($0.value, "public_url") } ?? publicURL,
                    expected: expected, subset: subset,
                    expectSpan: keyEntry.map {
                        TestSuite.ExpectSpan(
                            firstLine: $0.line, endLine: outline.endLine(of: casePath + ["expect"]), column: $0.column)
                    },
                    caseSpan: TestSuite.ExpectSpan(
                        firstLine: caseEntry?.line ?? 1, endLine: outline.endLine(of: casePath),
                        column: caseEntry?.column ?? 1)))
        }
        let diagnostics = reader.diagnostics.diagnostics
        if diagnostics.hasErrors { return (nil, diagnostics) }
        return (TestSuite(file: file, pipelineFile: pipelineFile, cases: cases), diagnostics)
    }

    private static func isExpectationShape(_ value: JSONValue) -> Bool {
        switch value {
        case .array: true
        case .object(let o):
            o["rejected"]?.numberValue != nil && o.keys.allSatisfy { $0 == "rejected" || $0 == "reason" }
                && isReasonShape(o["reason"])
        case .string(let s): s == "handshake"
        default: false
        }
    }

    /// A refusal's `reason:`: absent, the exact text, or `{contains: text}`.
    private static func isReasonShape(_ reason: JSONValue?) -> Bool {
        switch reason {
        case nil, .string?: true
        case .object(let o)?: o.count == 1 && o["contains"]?.stringValue != nil
        default: false
        }
    }

    private static func loadRequest(_ node: Node, reader: inout YAMLReader, folder: String) -> WebhookRequest? {
        let fromFile = { (name: String, at: Node, reader: inout YAMLReader) -> WebhookRequest? in
            let path = name.hasPrefix("/") ? name : "\(folder)/\(name)"
            let (request, diagnostics) = RequestRecording.load(file: path)
            reader.diagnostics.append(contentsOf: diagnostics)
            if request == nil, !diagnostics.hasErrors {
                reader.diagnostics.error("cannot load the recorded request \(path)", at: reader.location(at))
            }
            return request
        }
        if case .scalar(let s) = node { return fromFile(s.string, node, &reader) }
        var base: WebhookRequest?
        if case .mapping(let m) = node, let fileNode = m["file"], let name = reader.string(fileNode, "request.file") {
            base = fromFile(name, fileNode, &reader)
            if base == nil { return nil }
        }
        return RequestRecording.read(
            node, reader: &reader, relativeTo: folder, base: base, extraKeys: [TestFormat.fileKey.name])
    }

    /// A `fetch:` mapping: per fetch name, one answer (serving every call) or a list (one per call, in order).
    static func answers(_ node: Node, reader: inout YAMLReader, folder: String) -> (
        [String: [FetchResponse]], Set<String>
    ) {
        var fetches: [String: [FetchResponse]] = [:]
        var repeating: Set<String> = []
        for f in reader.mapping(node, "fetch") ?? [] {
            if case .sequence(let list) = f.value {
                fetches[f.key] = list.compactMap { answer($0, reader: &reader, folder: folder) }
            } else if let a = answer(f.value, reader: &reader, folder: folder) {
                fetches[f.key] = [a]
                repeating.insert(f.key)
            }
        }
        return (fetches, repeating)
    }

    /// The `fetch:` answers saved in a recording file (`RequestRecording.fetchAnswers`); problems are reported
    /// in it.
    private static func recordedAnswers(file: String, reader: inout YAMLReader) -> (
        [String: [FetchResponse]], Set<String>
    ) {
        let recorded = RequestRecording.fetchAnswers(file: file)
        reader.diagnostics.append(contentsOf: recorded.diagnostics)
        return (recorded.answers, recorded.repeating)
    }

    private static func answer(_ node: Node, reader: inout YAMLReader, folder: String) -> FetchResponse? {
        guard let fields = reader.mapping(node, "a recorded answer", allowed: answerKeys) else { return nil }
        var response = FetchResponse(status: 200, body: Data())
        for f in fields {
            switch f.key {
            case "status":
                guard let n = reader.json(f.value).numberValue, (100...599).contains(n) else {
                    reader.diagnostics.error("status must be an HTTP status (100 to 599)", at: reader.location(f.value))
                    continue
                }
                response.status = Int(n)
            case "body":
                let value = reader.json(f.value)
                response.body = Data(
                    (value.stringValue.flatMap { s in (try? JSONValue.parse(s)).map { _ in s } } ?? value.jsonText).utf8
                )
            case "body_file":
                guard let name = reader.string(f.value, "body_file") else { continue }
                let path = name.hasPrefix("/") ? name : "\(folder)/\(name)"
                guard let data = FileManager.default.contents(atPath: path) else {
                    reader.diagnostics.error("cannot read body_file \(path)", at: reader.location(f.value))
                    continue
                }
                response.body = data
            default:
                break
            }
        }
        return response
    }

    /// The folder a file's relative names are read from: its own, or the working directory for a bare name.
    static func folder(of file: String) -> String {
        let folder = (file as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    private static func env(of node: Node, reader: inout YAMLReader) -> [String: String] {
        var out: [String: String] = [:]
        for e in reader.mapping(node, "env") ?? [] {
            let v = reader.json(e.value)
            out[e.key] = v.stringValue ?? v.jsonText
        }
        return out
    }

    private static func time(of node: Node, reader: inout YAMLReader) -> Date? {
        guard let ms = try? Timestamp(reader.json(node)) else {
            reader.diagnostics.error("must be an ISO 8601 time, e.g. 2025-06-12T09:41:10Z", at: reader.location(node))
            return nil
        }
        return Date(timeIntervalSince1970: Double(ms.milliseconds) / 1000)
    }
}
