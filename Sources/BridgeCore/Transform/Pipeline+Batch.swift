import Crypto
import Foundation

extension Pipeline {
    /// Whether `planBatch` can plan a list body element by element: the pipeline splits the whole body
    /// (`each: body`), gives each event an `id`, no other expression reads `body`, and the sender uses the body
    /// as parsed.
    public var plansBatchByElement: Bool {
        guard let each = trigger.each, case .slot(Slot.body, _) = each.root, trigger.id != nil,
            !trigger.sender.shapesBody
        else { return false }
        // Every other expression of the pipeline (`expressions` starts with `each`): trigger, fetches, lets, skip
        // rules, actions and their calls, order key.
        var read = Set<Int>()
        for expression in expressions.dropFirst() { read.formUnion(expression.root.slotsRead) }
        return !read.contains(Slot.body)
    }

    /// Plans a JSON list body element by element (`crisp-bridge plan` of a large batch): each element is parsed,
    /// planned and handed to `emit`, then dropped, so neither the parsed batch nor its plans are ever held whole.
    /// The outcomes are those `run` gives, in order. `bytes` is the body (the request's own body is not read).
    ///
    /// Nil when the pipeline cannot (`plansBatchByElement`), verification is asked for, or the body is not a
    /// list: use `run` then. A body that turns out not to be valid JSON part-way gives `.rejected` after the
    /// elements before the problem were emitted; an `id` that fails emits that event as failed and stops.
    public func planBatch(
        _ request: WebhookRequest, bytes: [UInt8], context: TransformContext,
        emit: (EventOutcome) async -> Void
    ) async -> RequestOutcome? {
        // The body as one chunk.
        var rest: [UInt8]? = bytes
        let read = { () throws(BridgeCoreError) -> [UInt8] in
            defer { rest = nil }
            return rest ?? []
        }
        return await planBatch(
            request, reading: read, bodyDigest: Self.bodyDigest(of: [bytes]), context: context, emit: emit)
    }

    /// `planBatch(_:bytes:context:emit:)` of a body read chunk by chunk (`JSONArrayReader(reading:)`, an empty
    /// chunk at its end): only a window of it is held, so a batch of any size is planned in flat memory.
    /// `bodyDigest` is `bodyDigest(of:)` of the whole body, asked for only when an event has no id.
    public func planBatch(
        _ request: WebhookRequest, reading read: @escaping () throws(BridgeCoreError) -> [UInt8],
        bodyDigest: @autoclosure () -> String, context: TransformContext, emit: (EventOutcome) async -> Void
    ) async -> RequestOutcome? {
        guard plansBatch(request, context: context) else { return nil }
        let reader: JSONArrayReader
        do {
            guard let opened = try JSONArrayReader(reading: read) else { return nil }
            reader = opened
        } catch {
            return .rejected(status: 400, reason: "the body is \(error.message)")
        }
        return await planElements(of: reader, request, bodyDigest: bodyDigest(), context: context, emit: emit)
    }

    /// The digest part of the id an event without one takes (`bodyID`), of a body given in chunks.
    public static func bodyDigest(of chunks: some Sequence<[UInt8]>) -> String {
        var hasher = SHA256()
        for chunk in chunks { hasher.update(data: chunk) }
        return "sha256:" + String(hasher.finalize().hexString.prefix(32))
    }

    /// Whether `planBatch` may plan this request element by element.
    private func plansBatch(_ request: WebhookRequest, context: TransformContext) -> Bool {
        plansBatchByElement && !context.verifySignatures && trigger.sender.handshake(request) == nil
    }

    /// The elements of a list body planned one by one (`planBatch`).
    private func planElements(
        of opened: JSONArrayReader, _ request: WebhookRequest, bodyDigest: @autoclosure () -> String,
        context: TransformContext, emit: (EventOutcome) async -> Void
    ) async -> RequestOutcome {
        var reader = opened
        var digest: String?
        // An event without an id takes the body's digest (computed once), with its position when the list has
        // more than one element.
        func digestID(index: Int, single: Bool) -> String {
            if digest == nil { digest = bodyDigest() }
            return single ? digest! : "\(digest!)#\(index)"
        }
        var frame = [JSONValue](repeating: .null, count: slotCount)
        frame[Slot.headers] = .object(
            HeaderRedaction.redact(request.headers, senderNames: context.secretNames.headers).mapValues { .string($0) })
        let query = HeaderRedaction.redactQuery(request.query, senderNames: context.secretNames.queryParameters)
        frame[Slot.query] =
            query.isEmpty
            ? .object([:])
            : .object(Dictionary(WebhookRequest.decodeForm(query), uniquingKeysWith: { $1 }).mapValues { .string($0) })
        frame[Slot.path] = .object((trigger.pathPattern.match(request.path) ?? [:]).mapValues { .string($0) })
        frame[Slot.env] = context.environmentValue
        let accepted = AcceptedRequest(
            request: request, body: .null, frame: frame, events: [], failure: nil, handshake: nil)
        // One element of look-ahead, to know whether the list has a single element.
        var index = 0
        var next: JSONValue?
        do {
            next = try reader.next()
        } catch {
            return .rejected(status: 400, reason: "the body is \(error.message)")
        }
        while let value = next {
            do {
                next = try reader.next()
            } catch {
                return .rejected(status: 400, reason: "the body is \(error.message)")
            }
            frame[Slot.event] = value
            let id: String
            do {
                id = try Self.eventID(trigger.id, &frame) ?? digestID(index: index, single: index == 0 && next == nil)
            } catch {
                let failing = AcceptedRequest(
                    request: request, body: .null, frame: frame, events: [], failure: "\(error)", handshake: nil)
                let failed = AcceptedRequest.Event(
                    index: index, id: digestID(index: index, single: index == 0 && next == nil), value: value)
                await emit(await plan(failed, of: failing, context: context))
                return .events([])
            }
            let event = AcceptedRequest.Event(
                index: index, id: id, value: value, orderKey: context.orderKeys ? orderKey?.key(&frame) : nil)
            await emit(await plan(event, of: accepted, context: context))
            index += 1
        }
        return .events([])
    }

    /// The id `id:` gives the event in `frame`, or nil when it gives none.
    static func eventID(_ expression: CompiledExpression?, _ frame: inout [JSONValue]) throws -> String? {
        guard let expression else { return nil }
        switch try expression.evaluate(&frame) {
        case .null: return nil
        case .string(let s) where !s.isEmpty: return s
        case .number(let n): return JSONValue.format(number: n)
        case .string: return nil
        case let other: return other.jsonText
        }
    }
}
