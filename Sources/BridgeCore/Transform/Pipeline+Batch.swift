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
        guard plansBatchByElement, !context.verifySignatures, trigger.sender.handshake(request) == nil else {
            return nil
        }
        var reader: JSONArrayReader
        do {
            guard let opened = try JSONArrayReader(bytes) else { return nil }
            reader = opened
        } catch {
            return .rejected(status: 400, reason: "the body is \(error.message)")
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
        // One element of look-ahead: an event without an id takes the body's digest, with its position when the
        // list has more than one element.
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
                id =
                    try Self.eventID(trigger.id, &frame)
                    ?? Self.digestID(bytes, index: index, single: index == 0 && next == nil)
            } catch {
                let failing = AcceptedRequest(
                    request: request, body: .null, frame: frame, events: [], failure: "\(error)", handshake: nil)
                let failed = AcceptedRequest.Event(
                    index: index, id: Self.digestID(bytes, index: index, single: index == 0 && next == nil),
                    value: value)
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

    /// `bodyID` of a body given as bytes.
    private static func digestID(_ bytes: [UInt8], index: Int, single: Bool) -> String {
        let digest = "sha256:" + String(SHA256.hash(data: bytes).hexString.prefix(32))
        return single ? digest : "\(digest)#\(index)"
    }
}
