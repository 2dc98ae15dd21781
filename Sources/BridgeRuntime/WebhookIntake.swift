import BridgeCore
import BridgeStore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Receives webhooks: verifies the sender over the raw body, parses and splits it, stores the request durably,
/// and only then answers `202 {"accepted": n, "ids": […]}`. Refused requests are not stored.
struct WebhookIntake: Sendable {
    let pipeline: Pipeline
    let store: any BridgeStore
    let context: TransformContext
    let recorder: RequestRecorder?
    let logger: Logger

    func handle(_ request: Request, body: ByteBuffer) async -> Response {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        let webhook = WebhookRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: headers,
            body: Data(body.readableBytesView), receivedAt: Date())
        var log = logger
        log[metadataKey: "pipeline"] = "\(pipeline.name)"
        let accepted: AcceptedRequest
        switch pipeline.accept(webhook, context: context) {
        case .failure(let error):
            let status = error.httpStatus ?? 400
            log.notice("refused \(status): \(error.message)")
            BridgeMetrics.request(pipeline: pipeline.name, outcome: String(status))
            return Self.json(status, ["error": .string(error.message)])
        case .success(let value):
            accepted = value
        }
        var redacted = webhook
        redacted.headers = HeaderRedaction.redact(webhook.headers)
        let incoming = IncomingRequest(pipeline: pipeline.name, webhook: redacted)
        let results: [AcceptedEvent]
        do {
            results = try await store.accept(
                incoming, events: accepted.events.map { IncomingEvent(index: $0.index, dedupeID: $0.id) })
        } catch {
            log.error("cannot store the request: \(error)")
            BridgeMetrics.request(pipeline: pipeline.name, outcome: "503")
            return Self.json(503, ["error": "the request could not be stored; send it again"])
        }
        let fresh = results.filter { !$0.duplicate }
        if !fresh.isEmpty { recorder?.record(pipeline: pipeline.name, request: webhook, ids: fresh.map(\.dedupeID)) }
        let body: JSONValue = [
            "accepted": .number(Double(fresh.count)), "duplicates": .number(Double(results.count - fresh.count)),
            "ids": .array(fresh.map { .string($0.dedupeID) }),
        ]
        BridgeMetrics.request(
            pipeline: pipeline.name, outcome: fresh.isEmpty && !results.isEmpty ? "duplicate" : "accepted")
        log.info(
            "accepted \(fresh.count) event(s), \(results.count - fresh.count) duplicate(s)",
            metadata: ["events": "\(fresh.map(\.eventID))"])
        return Self.json(fresh.isEmpty && !results.isEmpty ? 200 : 202, body)
    }

    static func json(_ status: Int, _ value: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: .init(code: status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: value.jsonText + "\n")))
    }
}
