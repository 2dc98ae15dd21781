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
    let store: any DeliveryQueue & HandshakeSecretStore
    let context: TransformContext
    let recorder: RequestRecorder?
    /// Wakes this instance's idle workers when new events are stored.
    let signal: WorkSignal?
    /// Where this instance's worker finds what intake split, so it does not read and parse the request again.
    let handoff: ParsedRequestCache?
    let logger: Logger
    /// Headers and query parameters holding the sender's secret, redacted before storing (computed once).
    let secretNames: SenderSecretNames
    /// The time requests are received at.
    let clock: any BridgeClock

    init(
        pipeline: Pipeline, store: any DeliveryQueue & HandshakeSecretStore, context: TransformContext,
        recorder: RequestRecorder?,
        signal: WorkSignal? = nil, handoff: ParsedRequestCache? = nil, logger: Logger,
        clock: any BridgeClock = SystemClock()
    ) {
        self.signal = signal
        self.handoff = handoff
        self.clock = clock
        self.pipeline = pipeline
        self.store = store
        self.context = context
        self.recorder = recorder
        // The pipeline's name is on every line this intake logs: set once, not for every request.
        var logger = logger
        logger[metadataKey: "pipeline"] = "\(pipeline.name)"
        self.logger = logger
        self.secretNames = pipeline.secretNames(environment: context.environment)
    }

    /// Answers one request; `source` (the peer's address) is kept only with a handshake's secret.
    func handle(_ request: Request, body: ByteBuffer, source: String? = nil) async -> Response {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        let webhook = WebhookRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", headers: headers,
            body: Data(body.readableBytesView), receivedAt: clock.now())
        let sender = pipeline.trigger.sender
        var context = self.context
        var kept: [HandshakeSecret] = []
        if sender.usesHandshakeSecrets {
            do {
                // Only a secret the operator trusted: a handshake itself proves nothing.
                kept = try await store.handshakeSecrets(pipeline: pipeline.name)
                context.handshakeSecrets = kept.filter(\.trusted).map(\.secret)
            } catch {
                logger.error("cannot read the kept handshake secrets: \(error)")
                BridgeMetrics.request(pipeline: pipeline.name, outcome: "503")
                return Self.json(503, ["error": "the store is not answering; send it again"])
            }
        }
        let accepted: AcceptedRequest
        switch pipeline.accept(webhook, context: context) {
        case .failure(let error):
            let status = error.httpStatus ?? 400
            logger.notice("refused \(status): \(error.message)")
            BridgeMetrics.request(pipeline: pipeline.name, outcome: String(status))
            return Self.json(status, ["error": .string(error.message)])
        case .success(let value) where value.handshake != nil:
            return await answerHandshake(value.handshake!, source: source, kept: kept)
        case .success(let value):
            accepted = value
        }
        let redacted = HeaderRedaction.redact(webhook, secrets: secretNames, sender: sender)
        let incoming = IncomingRequest(pipeline: pipeline.name, webhook: redacted)
        let results: [AcceptedEvent]
        do {
            results = try await store.accept(
                incoming,
                events: accepted.events.map {
                    IncomingEvent(
                        index: $0.index, dedupeID: $0.id, orderKey: $0.orderKey,
                        contact: pipeline.orderKeyIsEmail ? $0.orderKey : nil)
                })
        } catch {
            logger.error("refused 503: \(error)")
            BridgeMetrics.request(pipeline: pipeline.name, outcome: "503")
            // Not confirmed is not "not stored": a commit may still land. A retry of a request that was stored
            // after all is answered as a duplicate, so nothing is delivered twice.
            return Self.json(
                503,
                [
                    "error":
                        "the request was not confirmed stored in time; send it again (if it was stored after all, the retry is answered as a duplicate)"
                ])
        }
        let fresh = results.filter { !$0.duplicate }
        if let handoff, let requestID = fresh.first?.requestID {
            handoff.insert(
                .init(webhook: redacted, accepted: accepted.storedAs(redacted), version: pipeline.version),
                for: requestID)
        }
        signal?.signal(waking: fresh.count)
        if !fresh.isEmpty { recorder?.record(pipeline: pipeline.name, request: redacted) }
        var answer: [String: JSONValue] = [
            "accepted": .number(Double(fresh.count)), "duplicates": .number(Double(results.count - fresh.count)),
            "ids": .array(fresh.map { .string($0.dedupeID) }),
        ]
        // A duplicate names the event it repeats, so a sender's retry can be looked up (`events show EVENT`).
        let repeats = results.filter(\.duplicate)
        if !repeats.isEmpty {
            answer["duplicate_of"] = .array(
                repeats.map { ["id": .string($0.dedupeID), "event": .number(Double($0.eventID))] })
        }
        let body = JSONValue.object(answer)
        BridgeMetrics.request(
            pipeline: pipeline.name, outcome: fresh.isEmpty && !results.isEmpty ? "duplicate" : "accepted")
        logger.info(
            "accepted \(fresh.count) event(s), \(results.count - fresh.count) duplicate(s)",
            metadata: ["events": "\(fresh.map(\.eventID))"])
        if let reply = sender.acceptedReply { return Self.reply(reply) }
        return Self.json(fresh.isEmpty && !results.isEmpty ? 200 : sender.acceptedStatus ?? 202, body)
    }

    /// A sender's set-up request: keep the secret it hands over (never logged) with where it came from, tell the
    /// operator, answer. A pipeline that already trusts a token keeps it: the operator is warned instead.
    private func answerHandshake(_ handshake: SenderHandshake, source: String?, kept: [HandshakeSecret]) async
        -> Response
    {
        if let secret = handshake.secret {
            if kept.contains(where: { $0.trusted && $0.secret != secret }) {
                logger.warning(
                    "a handshake with a new verification token arrived from \(source ?? "an unknown address"), but this pipeline already trusts one: the trusted token stays. If you did not recreate the subscription, someone else sent it. See every token with `crisp-bridge senders token \(pipeline.name)`"
                )
            }
            do {
                try await store.saveHandshakeSecret(
                    pipeline: pipeline.name, secret: secret, source: source, at: clock.now())
            } catch {
                logger.error("cannot keep the handshake secret: \(error)")
                BridgeMetrics.request(pipeline: pipeline.name, outcome: "503")
                return Self.json(503, ["error": "the handshake could not be stored; send it again"])
            }
        }
        BridgeMetrics.request(pipeline: pipeline.name, outcome: "handshake")
        logger.notice(
            "\(handshake.message.replacingOccurrences(of: "PIPELINE", with: pipeline.name))",
            metadata: ["source": "\(source ?? "unknown")"])
        return Self.reply(handshake.reply)
    }

    static func reply(_ reply: SenderReply) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = reply.contentType
        return Response(
            status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: reply.body))
        )
    }

    /// Seconds a sender is asked to wait before sending a request refused with 503 again.
    static let retryAfterSeconds = 10

    /// A JSON answer; a 503 says when to try again (`Retry-After`), as senders that honour it wait that long.
    static func json(_ status: Int, _ value: JSONValue) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if status == 503 { headers[.retryAfter] = String(retryAfterSeconds) }
        var text: [UInt8] = []
        value.writeJSON(to: &text)
        text.append(UInt8(ascii: "\n"))
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: text)))
    }
}
