import Foundation

extension Pipeline {
    /// Runs one poll of a `trigger.poll` pipeline: the request, then every page `next` asks for, collecting the
    /// items and moving the cursor. Nothing is stored here: the runtime keeps the items and the cursor together.
    ///
    /// - Parameters:
    ///   - cursor: the stored cursor; nil when the pipeline was never polled (then `start: now` delivers nothing).
    ///   - resume: where an earlier poll that ran out of pages or time stopped (`PollResult.resume`): this poll
    ///     goes on from that page, with the request that poll made.
    ///   - authorization: an `Authorization` header value to send (a service account's access token), if any.
    ///   - now: the poll's time (`polled_at`).
    ///   - pause: waits the given seconds between two pages (`rate:`).
    ///   - deadline: no page is asked for after it: the poll ends with what it found (`morePages`).
    ///   - pageLimit: the most pages read (`PollTrigger.maximumPages`).
    public func poll(
        cursor: JSONValue?, resume: JSONValue? = nil, context: TransformContext, authorization: String? = nil,
        now: Date = Date(), deadline: ContinuousClock.Instant? = nil, pageLimit: Int = PollTrigger.maximumPages,
        pause: @Sendable (Double) async -> Void = { try? await Task.sleep(for: .seconds($0)) }
    ) async throws(PollFailure) -> PollResult {
        guard let poll = trigger.poll else { throw PollFailure("pipeline \(name) has no trigger.poll") }
        let where_ = "\(poll.location): poll"
        var frame = [JSONValue](repeating: .null, count: poll.slotCount)
        frame[Slot.env] = context.environmentValue
        // The request sees the cursor its paging started from (a resumed poll's), `cursor` then moves on.
        let requestCursor = resume.map { $0["request_cursor"] } ?? cursor ?? .null
        frame[PollSlot.cursor] = requestCursor
        frame[PollSlot.polledAt] = .string(Self.timestamp(now))
        frame[PollSlot.start] = .string(poll.start.rawValue)
        var base: FetchRequest
        do {
            base = try Self.request(for: poll.request, &frame, prefix: where_)
        } catch let failure as FetchFailure {
            throw PollFailure(failure.reason)
        } catch {
            throw PollFailure("\(error)")
        }
        if let authorization { base.headers["authorization"] = authorization }
        frame[PollSlot.cursor] = cursor ?? .null
        var result = PollResult()
        result.onlyRecorded = resume.map { $0["recording"] == .bool(true) } ?? (cursor == nil && poll.start == .now)
        var request = base
        var parameters: [String: JSONValue]?
        if case .object(let given)? = resume?["next"] {
            parameters = given
            request = Self.nextPage(of: base, with: given)
        }
        // Where paging stopped, for the next poll to go on from.
        let stoppedAt = { (parameters: [String: JSONValue]?, recording: Bool) -> JSONValue in
            [
                "request_cursor": requestCursor, "next": parameters.map(JSONValue.object) ?? .null,
                "recording": .bool(recording),
            ]
        }
        for page in 0..<max(pageLimit, 1) {
            if page > 0, poll.pace > 0 { await pause(poll.pace) }
            let answer: JSONValue
            do throws(PollFailure) {
                answer = try await Self.call(request, context: context, where: where_, now: now)
            } catch {
                // A later page failing keeps the pages read before it: the next poll asks for this page again.
                guard page > 0 else { throw error }
                result.cursor = frame[PollSlot.cursor]
                result.morePages = true
                result.resume = stoppedAt(parameters, result.onlyRecorded)
                result.interruption = error
                return result
            }
            result.requests += 1
            frame[PollSlot.answer] = answer
            let items: [JSONValue]
            let next: JSONValue
            do throws(BridgeCoreError) {
                switch try poll.items.evaluate(&frame) {
                case .array(let list): items = list
                case .null: items = []
                case let other:
                    throw BridgeCoreError(
                        .evaluation, "poll.items must give a list, got \(other.typeName)", at: poll.items.location)
                }
                frame[PollSlot.items] = .array(items)
                if let cursorExpression = poll.cursor {
                    let moved = try cursorExpression.evaluate(&frame)
                    if !moved.isNull { frame[PollSlot.cursor] = moved }
                }
                next = try poll.next?.evaluate(&frame) ?? .null
            } catch {
                throw PollFailure("\(error)")
            }
            result.found += items.count
            if result.onlyRecorded { result.recorded += items } else { result.items += items }
            guard case .object(let nextParameters) = next, !nextParameters.isEmpty else {
                if !next.isNull, next != .object([:]) {
                    throw PollFailure(
                        "\(poll.next?.location.description ?? where_): poll.next must give an object (the next page's parameters) or null, got \(next.typeName)"
                    )
                }
                break
            }
            let following = Self.nextPage(of: base, with: nextParameters)
            if following.method == request.method, following.url == request.url, following.body == request.body {
                result.stuck =
                    "\(poll.next?.location.description ?? where_): poll.next gave the parameters of the page just read (\(JSONValue.object(nextParameters).jsonText)): the API's cursor does not move, so paging stops instead of asking for the same page again"
                break
            }
            parameters = nextParameters
            if page == max(pageLimit, 1) - 1 || result.items.count + result.recorded.count >= PollTrigger.maximumItems
                || deadline.map({ ContinuousClock.now >= $0 }) ?? false
            {
                result.morePages = true
                result.resume = stoppedAt(nextParameters, result.onlyRecorded)
                break
            }
            request = following
        }
        result.cursor = frame[PollSlot.cursor]
        return result
    }

    /// The request for the next page: `next`'s members added to the query of a request without a body, else
    /// merged into its JSON body.
    static func nextPage(of base: FetchRequest, with parameters: [String: JSONValue]) -> FetchRequest {
        var request = base
        if let body = base.body, case .object(var members)? = try? JSONValue.parse(body) {
            members.merge(parameters) { $1 }
            request.body = Data(JSONValue.object(members).jsonText.utf8)
            return request
        }
        var components = URLComponents(string: base.url)
        // A parameter replaces the one of the same name however either is encoded (`filter[id]`, `filter%5Bid%5D`).
        let replaced = Set(parameters.keys.map { $0.removingPercentEncoding ?? $0 })
        var items = (components?.percentEncodedQueryItems ?? []).filter {
            !replaced.contains($0.name.removingPercentEncoding ?? $0.name)
        }
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) where !value.isNull {
            items.append(
                URLQueryItem(
                    name: Builtins.percentEncode(name),
                    value: Builtins.percentEncode(value.stringValue ?? value.jsonText)))
        }
        components?.percentEncodedQueryItems = items
        request.url = components?.string ?? base.url
        return request
    }

    /// One page: the call, its status and its JSON answer.
    private static func call(_ request: FetchRequest, context: TransformContext, where: String, now: Date)
        async throws(PollFailure) -> JSONValue
    {
        let shown = "\(request.method) \(HTTPShown.url(request.url))"
        let response: FetchResponse
        do {
            response = try await context.fetcher.fetch(request)
        } catch let error as BridgeCoreError {
            throw PollFailure("\(`where`): \(error.message)")
        } catch {
            throw PollFailure("\(`where`): \(shown) failed: \(error)")
        }
        guard (200..<300).contains(response.status) else {
            let wait = PollFailure.retryAfter(response.headers["retry-after"], now: now)
            var reason = "\(`where`): \(shown) answered \(response.status)"
            if response.status == 429 {
                reason += wait.map { " (rate limited; it asks to wait \(Int($0)) s)" } ?? " (rate limited)"
            }
            if response.status == 401 || response.status == 403 {
                reason += " (check the credentials and their access)"
            }
            throw PollFailure(reason, status: response.status, retryAfter: wait)
        }
        do {
            return response.body.isEmpty ? .null : try JSONValue.parse(response.body)
        } catch {
            throw PollFailure("\(`where`): the answer of \(shown) is \(error.message)", status: response.status)
        }
    }

    /// The request that stores one polled item: its JSON is the body, so `body` and `event` are the item.
    public func pollRequest(for item: JSONValue, at date: Date = Date()) -> WebhookRequest {
        WebhookRequest(
            path: "/poll/\(name)", headers: ["content-type": "application/json"], body: Data(item.jsonText.utf8),
            receivedAt: date)
    }

    /// Runs polled items through the pipeline, as `test` and `poll --dry-run` show them: one outcome per item.
    public func plan(items: [JSONValue], context: TransformContext) async -> RequestOutcome {
        var outcomes: [EventOutcome] = []
        for (index, item) in items.enumerated() {
            switch accept(pollRequest(for: item), context: context, body: item) {
            case .failure(let error):
                outcomes.append(
                    EventOutcome(
                        index: index, id: "", status: .failed(reason: error.message, retryable: false), warnings: []))
            case .success(let accepted):
                for event in accepted.events {
                    var outcome = await plan(event, of: accepted, context: context)
                    outcome.index = index
                    outcomes.append(outcome)
                }
            }
        }
        return .events(outcomes)
    }

    /// The key file a service-account poll reads, with this environment; nil when the pipeline has none.
    public func serviceAccountKeyFile(environment: [String: String]) throws(BridgeCoreError) -> String? {
        guard let auth = trigger.poll?.serviceAccount else { return nil }
        var frame = [JSONValue](repeating: .null, count: trigger.poll?.slotCount ?? slotCount)
        frame[Slot.env] = .object(environment.mapValues { .string($0) })
        guard case .string(let path) = try auth.keyFile.evaluate(&frame), !path.isEmpty else {
            throw BridgeCoreError(
                .invalidFile,
                "pipeline \(name): auth.google_service_account.key_file is empty: set the environment variable it reads to the path of the service account's JSON key"
            )
        }
        return path
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
