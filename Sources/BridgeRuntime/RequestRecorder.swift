import BridgeCore
import Crypto
import Foundation
import Logging
import Synchronization

/// `serve --record DIR`: saves every accepted request as a recording a test case can name (`request:`):
/// `DIR/<pipeline>/<time>-<digest>.yaml` and the exact body bytes beside it. When the worker plans the
/// request's events, the answers of their `fetch` calls are saved too (`<time>-<digest>.fetch/`) and listed
/// under `fetch:` in the recording, in the order of the calls, so the recording alone is a complete test case.
/// Credentials are redacted (the request arrives redacted); the recording says its signature was verified at
/// intake, so `crisp-bridge test` does not check it again.
public final class RequestRecorder: Sendable {
    let folder: String
    let logger: Logger
    private let lock = Mutex(())

    public init(folder: String, logger: Logger) {
        self.folder = folder
        self.logger = logger
    }

    /// Saves an accepted request (already redacted).
    func record(pipeline: String, request: WebhookRequest) {
        write(pipeline: pipeline, request: request, writeBody: true)
    }

    /// Saves the fetch answers one event of a recorded request got, then rewrites its `fetch:` list.
    func recordFetches(pipeline: String, request: WebhookRequest, index: Int, calls: [(String, FetchResponse)]) {
        guard !calls.isEmpty else { return }
        let directory = "\(folder)/\(pipeline)/\(Self.base(of: request)).fetch"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (call, (name, response)) in calls.enumerated() {
                let file =
                    "\(directory)/\(Self.fetchFileName(index: index, call: call, status: response.status, name: name))"
                try response.body.write(to: URL(fileURLWithPath: file), options: .atomic)
            }
        } catch {
            logger.error("cannot record the fetch answers in \(directory): \(error)")
            return
        }
        write(pipeline: pipeline, request: request, writeBody: false)
    }

    private func write(pipeline: String, request: WebhookRequest, writeBody: Bool) {
        let base = Self.base(of: request)
        let directory = "\(folder)/\(pipeline)"
        let stamp = Timestamp(milliseconds: Self.milliseconds(request.receivedAt)).iso8601
        var lines = [
            "# recorded by crisp-bridge serve; credentials redacted; the signature was verified at intake",
            "method: \(request.method)", "path: \(Self.quoted(request.path))", "query: \(Self.quoted(request.query))",
            "received_at: \(Self.quoted(stamp))", "verified: true", "headers:",
        ]
        for (name, value) in HeaderRedaction.redact(request.headers).sorted(by: { $0.key < $1.key }) {
            lines.append("  \(Self.quoted(name)): \(Self.quoted(value))")
        }
        lines.append("body_file: \(base).body")
        lock.withLock { _ in
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                if writeBody {
                    try request.body.write(to: URL(fileURLWithPath: "\(directory)/\(base).body"), options: .atomic)
                }
                lines += fetchLines(directory: directory, base: base)
                try Data((lines.joined(separator: "\n") + "\n").utf8).write(
                    to: URL(fileURLWithPath: "\(directory)/\(base).yaml"), options: .atomic)
            } catch {
                logger.error("cannot record the request in \(directory): \(error)")
            }
        }
    }

    /// The `fetch:` section from the saved answers: per fetch name, the answers in event order, then call order.
    private func fetchLines(directory: String, base: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/\(base).fetch")) ?? []
        let answers = names.compactMap(Self.parseFetchFileName).sorted { ($0.index, $0.call) < ($1.index, $1.call) }
        guard !answers.isEmpty else { return [] }
        var lines = ["fetch:"]
        var byName: [String: [String]] = [:]
        var order: [String] = []
        for answer in answers {
            if byName[answer.name] == nil { order.append(answer.name) }
            byName[answer.name, default: []].append(
                "    - { status: \(answer.status), body_file: \(Self.quoted("\(base).fetch/\(answer.file)")) }")
        }
        for name in order { lines += ["  \(Self.quoted(name)):"] + byName[name, default: []] }
        return lines
    }

    /// `e0002-c0-s200-contact.json`: event index, call number, status, fetch name.
    static func fetchFileName(index: Int, call: Int, status: Int, name: String) -> String {
        let digits = String(index)
        return "e" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
            + "-c\(call)-s\(status)-\(name).json"
    }

    static func parseFetchFileName(_ file: String) -> (index: Int, call: Int, status: Int, name: String, file: String)?
    {
        guard file.hasPrefix("e"), file.hasSuffix(".json") else { return nil }
        let parts = file.dropLast(5).split(separator: "-", maxSplits: 3)
        guard parts.count == 4, let index = Int(parts[0].dropFirst()), let call = Int(parts[1].dropFirst()),
            let status = Int(parts[2].dropFirst())
        else { return nil }
        return (index, call, status, String(parts[3]), file)
    }

    /// `<time>-<digest of the body>`: the intake and the worker (which reads the request back from the store)
    /// name the same recording.
    static func base(of request: WebhookRequest) -> String {
        let stamp = Timestamp(milliseconds: milliseconds(request.receivedAt)).iso8601
        let compact = stamp.filter { $0.isNumber || $0 == "T" || $0 == "Z" }
        let digest = SHA256.hash(data: request.body).prefix(6).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
        return "\(compact)-" + digest.joined()
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// A YAML double-quoted scalar (JSON string syntax is valid YAML).
    static func quoted(_ text: String) -> String {
        JSONValue.string(text).jsonText
    }
}

/// A fetcher that passes calls on and keeps each answer, for `serve --record`.
final class RecordingFetcher: Fetcher {
    let base: any Fetcher
    private let answers = Mutex<[(String, FetchResponse)]>([])

    init(_ base: any Fetcher) { self.base = base }

    var calls: [(String, FetchResponse)] { answers.withLock { $0 } }

    func fetch(_ request: FetchRequest) async throws -> FetchResponse {
        let response = try await base.fetch(request)
        answers.withLock { $0.append((request.name, response)) }
        return response
    }
}
