import Crypto
import Foundation

extension Pipeline {
    /// Runs the whole transform for one request: intake, then a plan for every event.
    public func run(_ request: WebhookRequest, context: TransformContext) async -> RequestOutcome {
        switch accept(request, context: context) {
        case .failure(let rejection):
            return .rejected(status: rejection.httpStatus ?? 400, reason: rejection.message)
        case .success(let accepted) where accepted.handshake != nil:
            return .handshake
        case .success(var accepted):
            // Plan from what `serve` stores: credentials redacted, so a pipeline that passes its tests behaves
            // the same in serve (which never sees them after intake).
            accepted.frame[Slot.headers] = .object(
                HeaderRedaction.redact(request.headers, senderNames: context.secretNames.headers).mapValues {
                    .string($0)
                })
            let query = HeaderRedaction.redactQuery(request.query, senderNames: context.secretNames.queryParameters)
            accepted.frame[Slot.query] =
                query.isEmpty
                ? .object([:])
                : .object(
                    Dictionary(WebhookRequest.decodeForm(query), uniquingKeysWith: { $1 }).mapValues { .string($0) })
            var outcomes: [EventOutcome] = []
            outcomes.reserveCapacity(accepted.events.count)
            for event in accepted.events {
                outcomes.append(await plan(event, of: accepted, context: context))
            }
            return .events(outcomes)
        }
    }

    /// Whether the order key is the contact's email (then it is the event's contact from intake on).
    public var orderKeyIsEmail: Bool { orderKey?.isEmail ?? false }

    /// Intake: verifies the sender, parses the body, splits it with `each` and computes each event's dedupe id
    /// and order key.
    /// No fetch happens here, so the runtime can answer the sender at once.
    ///
    /// `body`, when given, is the request's body already read (an imported CSV row): it is not parsed again.
    public func accept(_ request: WebhookRequest, context: TransformContext, body given: JSONValue? = nil)
        -> Result<AcceptedRequest, BridgeCoreError>
    {
        if let handshake = trigger.sender.handshake(request) {
            return .success(
                AcceptedRequest(
                    request: request, body: .null, frame: [], events: [], failure: nil, handshake: handshake))
        }
        if context.verifySignatures {
            var frame = [JSONValue](repeating: .null, count: slotCount)
            frame[Slot.env] = context.environmentValue
            var settings: [String: JSONValue] = [:]
            do throws(BridgeCoreError) {
                for (key, template) in trigger.senderSettings { settings[key] = try template.evaluate(&frame) }
                try trigger.sender.verify(
                    request, settings: settings,
                    context: VerificationContext(
                        now: context.now ?? request.receivedAt, publicURL: context.publicURL,
                        handshakeSecrets: context.handshakeSecrets))
            } catch {
                // A body the sender could not have sent keeps its status (400); a setting's expression failing is a
                // refusal too, but its place is the pipeline's, not the sender's.
                switch error.kind {
                case .rejected: return .failure(error)
                case .verification: return .failure(.rejected(401, error.message))
                default: return .failure(.rejected(401, "\(trigger.sender.name): \(error)"))
                }
            }
        }
        if given == nil, request.body.isEmpty, !trigger.bodyOptional {
            return .failure(
                .rejected(
                    400,
                    "empty body: this pipeline expects one (`body: optional` under trigger.webhook accepts requests without one)"
                ))
        }
        let body: JSONValue
        switch given.map({ .success($0) }) ?? Self.parseBody(request) {
        case .success(let value):
            do throws(BridgeCoreError) {
                body = try trigger.sender.shapeBody(value, of: request)
            } catch {
                return .failure(error.kind == .rejected ? error : .rejected(400, error.message))
            }
        case .failure(let rejection): return .failure(rejection)
        }
        // The server routes only matching paths; a test or `plan` may use another path (no parameters then).
        let parameters = trigger.pathPattern.match(request.path) ?? [:]
        var frame = baseFrame(request, body: body, parameters: parameters, context: context)
        var values: [JSONValue] = [body]
        if let each = trigger.each {
            do {
                switch try each.evaluate(&frame) {
                case .array(let elements): values = elements
                case .null: values = []
                case let other:
                    throw BridgeCoreError(
                        .evaluation, "each must give a list, got \(other.typeName)", at: each.location)
                }
            } catch {
                let fallback = AcceptedRequest.Event(
                    index: 0, id: Self.bodyID(request.body, index: 0, count: 1), value: body)
                return .success(
                    AcceptedRequest(request: request, body: body, frame: frame, events: [fallback], failure: "\(error)")
                )
            }
        }
        var events: [AcceptedRequest.Event] = []
        events.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            var id: String?
            if let idExpression = trigger.id {
                frame[Slot.event] = value
                do {
                    switch try idExpression.evaluate(&frame) {
                    case .null: break
                    case .string(let s) where !s.isEmpty: id = s
                    case .number(let n): id = JSONValue.format(number: n)
                    case .string: break
                    case let other: id = other.jsonText
                    }
                } catch {
                    let id = Self.bodyID(request.body, index: index, count: values.count)
                    return .success(
                        AcceptedRequest(
                            request: request, body: body, frame: frame,
                            events: [
                                AcceptedRequest.Event(index: index, id: id, value: value)
                            ], failure: "\(error)"))
                }
            }
            let eventID = id ?? Self.bodyID(request.body, index: index, count: values.count)
            var keyFrame = frame
            keyFrame[Slot.event] = value
            events.append(
                AcceptedRequest.Event(
                    index: index, id: eventID, value: value,
                    orderKey: context.orderKeys ? orderKey?.key(&keyFrame) : nil))
        }
        frame[Slot.event] = .null
        return .success(AcceptedRequest(request: request, body: body, frame: frame, events: events, failure: nil))
    }

    /// Plans one event: `when`, the fetches, the `let` values, the `skip:` rules, then every action into Crisp
    /// operations. A value a rule left out (a phone not valid in its country…) is a warning of the outcome.
    public func plan(
        _ event: AcceptedRequest.Event, of accepted: AcceptedRequest, context: TransformContext
    ) async -> EventOutcome {
        let dropped = DroppedValues()
        var outcome = await DroppedValues.$current.withValue(dropped) {
            await planSteps(event, of: accepted, context: context)
        }
        let notes = dropped.warnings
        if !notes.isEmpty { outcome.warnings = notes + outcome.warnings }
        return outcome
    }

    private func planSteps(
        _ event: AcceptedRequest.Event, of accepted: AcceptedRequest, context: TransformContext
    ) async -> EventOutcome {
        var outcome = EventOutcome(index: event.index, id: event.id, status: .skipped(reason: nil), warnings: [])
        if let failure = accepted.failure {
            outcome.status = .failed(reason: failure, retryable: false)
            return outcome
        }
        var frame = eventFrame(accepted, event)
        if let echo = CrispEcho.reason(event.value) ?? CrispEcho.reason(accepted.body) {
            outcome.status = .skipped(reason: echo)
            return outcome
        }
        do {
            if let when = trigger.when, !(try when.evaluate(&frame).isTruthy) {
                return outcome
            }
            for step in fetches {
                frame[step.slot] = try await fetch(step, &frame, context: context)
            }
            for binding in lets {
                frame[binding.slot] = try binding.expression.evaluate(&frame)
            }
            for rule in skips where try rule.when.evaluate(&frame).isTruthy {
                let reason = try rule.reason.evaluate(&frame)
                outcome.status = .skipped(
                    reason: reason.isNull ? "skip rule at \(rule.location)" : reason.stringValue ?? reason.jsonText)
                return outcome
            }
            var operations: [CrispOperation] = []
            operations.reserveCapacity(actions.count)
            for step in actions {
                if let when = step.when, !(try when.evaluate(&frame).isTruthy) { continue }
                switch step.kind {
                case .crisp(let action, let fields):
                    let value = try fields.evaluate(&frame)
                    let checked = try FieldSchema.object(action.fields).validate(
                        value, path: action.name, template: fields, at: step.location, warnings: &outcome.warnings)
                    if let operation = try action.operation(checked.objectValue ?? [:], at: step.location) {
                        let website = try step.website.map {
                            CrispSubject.website(try $0.evaluate(&frame), environment: frame[Slot.env])
                        }
                        operations.append(website.map { operation.on(website: $0) } ?? operation)
                    }
                case .http(let http):
                    operations.append(.http(try Self.call(http, &frame, at: step.location)))
                }
            }
            outcome.status = .planned(operations)
        } catch let error as FetchFailure {
            outcome.status = .failed(reason: error.reason, retryable: error.retryable)
        } catch {
            outcome.status = .failed(reason: "\(error)", retryable: false)
        }
        return outcome
    }

    /// The call an `http` action makes for this frame: its request (the origin checked as a fetch's) and its key
    /// file.
    static func call(_ step: HTTPStep, _ frame: inout [JSONValue], at location: SourceLocation) throws -> HTTPCall {
        var request = try Self.request(for: step.call, &frame, prefix: "\(location): http")
        // A POST redirected would be turned into a GET: a call that changes something takes no redirect.
        request.followsRedirects = request.method == "GET"
        let grant = try step.serviceAccount?.grant(&frame, label: "http", at: location)
        let environment = frame[Slot.env]
        let secrets = step.environmentNames.compactMap { environment[$0].stringValue }
        return HTTPCall(
            request: request, idempotencyHeader: step.idempotencyHeader, serviceAccount: grant, secrets: secrets)
    }

    private func baseFrame(
        _ request: WebhookRequest, body: JSONValue, parameters: [String: String], context: TransformContext
    ) -> [JSONValue] {
        var frame = [JSONValue](repeating: .null, count: slotCount)
        frame[Slot.body] = body
        frame[Slot.headers] = .object(request.headers.mapValues { .string($0) })
        frame[Slot.query] = request.query.isEmpty ? .object([:]) : .object(request.queryItems.mapValues { .string($0) })
        frame[Slot.path] = .object(parameters.mapValues { .string($0) })
        frame[Slot.env] = context.environmentValue
        return frame
    }

    /// The frame of an event: the request's values (computed once at intake), then the event.
    private func eventFrame(_ accepted: AcceptedRequest, _ event: AcceptedRequest.Event) -> [JSONValue] {
        var frame = accepted.frame
        if frame.count < slotCount { frame += [JSONValue](repeating: .null, count: slotCount - frame.count) }
        frame[Slot.event] = event.value
        return frame
    }

    private func fetch(_ step: FetchStep, _ frame: inout [JSONValue], context: TransformContext) async throws
        -> JSONValue
    {
        let prefix = "\(step.location): fetch \(step.name)"
        let request = try Self.request(for: step, &frame, prefix: prefix)
        let shownURL = HTTPShown.url(request.url)
        let response: FetchResponse
        do {
            response = try await context.fetcher.fetch(request)
        } catch let error as BridgeCoreError {
            throw FetchFailure(reason: "\(prefix): \(error.message)", retryable: false)
        } catch {
            throw FetchFailure(reason: "\(prefix): \(step.method) \(shownURL) failed: \(error)", retryable: true)
        }
        guard (200..<300).contains(response.status) else {
            throw FetchFailure(
                reason: "\(prefix): \(step.method) \(shownURL) answered \(response.status)",
                retryable: response.status >= 500 || response.status == 429 || response.status == 408)
        }
        if response.body.isEmpty { return .null }
        do {
            return try JSONValue.parse(response.body)
        } catch {
            throw FetchFailure(reason: "\(prefix): the answer is \(error.message)", retryable: false)
        }
    }

    /// The request a fetch step (or a poll's request) makes with this frame: its templates evaluated, the query
    /// encoded, and the URL checked against the origin written in the pipeline.
    static func request(for step: FetchStep, _ frame: inout [JSONValue], prefix: String) throws -> FetchRequest {
        guard case .string(var url) = try step.url.evaluate(&frame) else {
            throw FetchFailure(reason: "\(prefix): the url must be text", retryable: false)
        }
        var query: [String] = []
        for (key, template) in step.query {
            let value = try template.evaluate(&frame)
            // A list is the parameter repeated, once an item (Sheets' `ranges`, HubSpot's `properties`).
            for item in value.arrayValue ?? [value] where !item.isNull {
                let text = item.stringValue ?? item.jsonText
                query.append("\(Builtins.percentEncode(key))=\(Builtins.percentEncode(text))")
            }
        }
        if !query.isEmpty { url += (url.utf8.contains(UInt8(ascii: "?")) ? "&" : "?") + query.joined(separator: "&") }
        var headers: [String: String] = [:]
        for (key, template) in step.headers {
            let value = try template.evaluate(&frame)
            guard !value.isNull else { continue }
            let text = value.stringValue ?? value.jsonText
            if text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                throw FetchFailure(
                    reason: "\(prefix): the header \(key) has a line break or NUL in its value", retryable: false)
            }
            headers[key.lowercased()] = text
        }
        var body: Data?
        if let template = step.body {
            body = Data(try template.evaluate(&frame).jsonText.utf8)
            headers["content-type"] = headers["content-type"] ?? "application/json"
        }
        guard let origin = FetchOrigin(url: url) else {
            throw FetchFailure(
                reason: "\(prefix): \(HTTPShown.url(url)) is not a valid URL (encode computed parts with url_encode)",
                retryable: false)
        }
        guard origin == step.origin else {
            throw FetchFailure(
                reason:
                    "\(prefix): the URL \(HTTPShown.url(url)) does not call \(step.origin) as written in the pipeline (a payload may change the path and query, never the host)",
                retryable: false)
        }
        var request = FetchRequest(
            name: step.name, method: step.method, url: url, headers: headers, body: body, origin: step.origin)
        request.oauth2 = try step.oauth2?.credentials(&frame)
        request.serviceAccount = try step.serviceAccount?.grant(&frame, label: prefix, at: step.location)
        return request
    }

    /// Parses the body by its content type: JSON, or form fields. An empty body is `null`.
    static func parseBody(_ request: WebhookRequest) -> Result<JSONValue, BridgeCoreError> {
        let contentType = request.header("content-type") ?? ""
        let type = (contentType.firstIndex(of: ";").map { contentType[..<$0] } ?? contentType[...]).trimmed.lowercased()
        if request.body.isEmpty { return .success(.null) }
        if type.isEmpty || type == "application/json" || type.hasSuffix("+json") || type == "text/json" {
            do {
                return .success(try JSONValue.parse(request.body))
            } catch {
                return .failure(BridgeCoreError.rejected(400, "the body is \(error.message)"))
            }
        }
        if type == "text/xml" || type == "application/xml" || type.hasSuffix("+xml") {
            do throws(BridgeCoreError) {
                return .success(try XMLBody.parse(request.body))
            } catch {
                return .failure(error)
            }
        }
        if type == "application/x-www-form-urlencoded" {
            guard let text = String(data: request.body, encoding: .utf8) else {
                return .failure(BridgeCoreError.rejected(400, "the form body is not UTF-8"))
            }
            var fields: [String: JSONValue] = [:]
            for (name, value) in WebhookRequest.decodeForm(text) { fields[name] = .string(value) }
            return .success(.object(fields))
        }
        return .failure(
            BridgeCoreError.rejected(415, "content type '\(type)' is not supported (JSON, XML or form fields)"))
    }

    /// The dedupe id when the pipeline and sender give none: a digest of the body, and the event's position.
    static func bodyID(_ body: Data, index: Int, count: Int) -> String {
        let digest = "sha256:" + String(SHA256.hash(data: body).hexString.prefix(32))
        return count > 1 ? "\(digest)#\(index)" : digest
    }
}

/// An enrichment call that failed; retryable when the other side may recover.
struct FetchFailure: Error {
    let reason: String
    let retryable: Bool
}

/// How URLs appear in messages.
enum HTTPShown {
    /// A URL without its query, which may hold a key.
    static func url(_ url: String) -> String {
        url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
    }
}
