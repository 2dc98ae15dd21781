import BridgeCore
import BridgeStore
import CrispPeople
import Foundation
import Logging

/// The queries and actions the console and the admin API share, so both answer the same: filters (with a
/// sender's pipelines), pages of events, an event's detail with its plan, a contact's timeline, failures grouped
/// by cause, bulk replays, and the overview.
struct ConsoleQueries: Sendable {
    let store: any BridgeStore
    let catalog: PipelineCatalog
    let clock: any BridgeClock
    /// The bridge's transform context (the console plans with its environment, never calling `fetch`).
    let context: TransformContext
    let quota: CrispQuota?
    /// Crisp, to find the email of a people id (nil in tests that need none).
    let crisp: CrispClient?
    let dailyQuota: Int
    let reloader: PipelineReloader?
    let jobs: ReplayJobs
    let logger: Logger
    /// The last overview, shared by every console and the admin API for a few seconds.
    var overviews = OverviewCache()
    /// The emails of the Crisp people ids looked up (at most 1,000).
    let peopleEmails = PeopleEmails()

    /// The filter parameters: the store's (`EventFilter.parameterNames`) and `sender`.
    static let filterNames = EventFilter.parameterNames + ["sender"]

    /// The filter that `given` (parameter → text) gives; a bad value is refused naming it. A `contact` that is
    /// a Crisp people id is looked up in Crisp for its email (one request of the day's quota).
    func filter(_ given: [String: String], maxLimit: Int = 1000) async throws(BridgeStoreError) -> EventFilter {
        // A form sends its empty fields too: empty is "any".
        let query = given.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }
        var filter = try EventFilter(text: query, now: clock.now(), maxLimit: maxLimit)
        if let sender = query["sender"]?.trimmingCharacters(in: .whitespaces), !sender.isEmpty {
            let pipelines = catalog.current.pipelines.values
            let names = pipelines.filter { $0.trigger.sender.name == sender }.map(\.name).sorted()
            guard !names.isEmpty else {
                let known = Set(pipelines.map(\.trigger.sender.name)).sorted().joined(separator: ", ")
                throw BridgeStoreError("sender '\(sender)' is not the sender of any pipeline loaded (\(known))")
            }
            filter.pipelines = names
        }
        if let contact = filter.contact { filter.contact = try await contactEmail(contact) }
        return filter
    }

    /// The email of a contact given by email, or by Crisp people id (asked of Crisp: one request).
    func contactEmail(_ given: String) async throws(BridgeStoreError) -> String {
        let text = given.trimmingCharacters(in: .whitespaces)
        guard !text.contains("@") else { return text.lowercased() }
        guard UUID(uuidString: text) != nil else {
            throw BridgeStoreError("contact '\(text)' is neither an email nor a Crisp people id")
        }
        if let known = peopleEmails.email(of: text) { return known }
        guard let crisp else { throw BridgeStoreError("no Crisp client to look people id '\(text)' up") }
        let profile: JSONValue?
        do {
            profile = try await crisp.profile(text)
        } catch {
            throw BridgeStoreError("Crisp could not be asked for people id '\(text)': \(error)")
        }
        guard let email = profile?["email"].stringValue?.lowercased() else {
            throw BridgeStoreError("Crisp has no contact with people id '\(text)'")
        }
        // Kept: a people id names one contact, and each lookup costs a request of the day's quota.
        peopleEmails.keep(email, for: text)
        return email
    }

    /// The senders of the pipelines loaded, sorted (the filter's choices).
    var senders: [String] { Set(catalog.current.pipelines.values.map(\.trigger.sender.name)).sorted() }

    /// The names of the pipelines loaded, sorted.
    var pipelineNames: [String] { catalog.current.pipelines.keys.sorted() }

    // MARK: An event

    /// Everything the detail shows of an event.
    struct Detail: Sendable {
        var event: StoredEvent
        var attempts: [AttemptRecord]
        /// The request as stored, credentials redacted as `events show` redacts them.
        var method = ""
        var target = ""
        var headers: [(name: String, value: String)] = []
        var body = ""
        /// The plan as `crisp-bridge plan` prints it (pretty JSON), or why it is not shown.
        var plan: String?
        var planNote: String?
        /// The version of the pipeline loaded now, when it differs from the one that planned the event.
        var currentVersion: String?
    }

    func detail(_ given: String) async throws(BridgeStoreError) -> Detail? {
        guard let event = try await store.find(given).last else { return nil }
        var detail = Detail(event: event, attempts: try await store.attempts(eventID: event.id))
        guard let request = try await store.request(event.requestID)?.webhook else {
            detail.planNote = "the stored request is gone (retention removed it)"
            return detail
        }
        detail.method = request.method
        detail.target = request.path + (request.query.isEmpty ? "" : "?" + request.query)
        detail.headers = HeaderRedaction.redact(request.headers).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        detail.body = Self.pretty(request.body)
        let current = catalog.pipeline(named: event.pipeline)
        let pipeline = event.plannedBy.flatMap { catalog.pipeline(named: event.pipeline, version: $0) } ?? current
        if let current, let planned = event.plannedBy, planned != current.version {
            detail.currentVersion = current.version
        }
        guard let pipeline else {
            detail.planNote = "pipeline \(event.pipeline) is not loaded by this instance"
            return detail
        }
        (detail.plan, detail.planNote) = await plan(request, index: event.index, with: pipeline)
        return detail
    }

    /// The event's plan by `pipeline`, as `crisp-bridge plan` prints it. Signatures are not checked (the stored
    /// request's credentials are redacted) and no `fetch` is called: a plan that needs one says so.
    func plan(_ request: WebhookRequest, index: Int, with pipeline: Pipeline) async -> (String?, String?) {
        var context = context
        context.environment = catalog.current.environment
        context.fetcher = RecordedFetcher(sequences: [:], repeating: [])
        context.verifySignatures = false
        context.orderKeys = false
        context.secretNames = pipeline.secretNames(environment: context.environment)
        guard case .success(let accepted) = pipeline.accept(request, context: context) else {
            return (nil, "the stored request no longer parses with pipeline \(pipeline.name)")
        }
        guard let planned = accepted.events.first(where: { $0.index == index }) else {
            return (nil, "the pipeline now splits this request into \(accepted.events.count) event(s)")
        }
        let outcome = await pipeline.plan(planned, of: accepted, context: context)
        if case .failed(let reason, _) = outcome.status, RecordedFetcher.isUnanswered(reason: reason) {
            return (
                nil,
                "the plan calls fetch: the console calls no upstream API; the attempts show what each one did"
            )
        }
        var line: [UInt8] = []
        outcome.writePlanJSON(to: &line)
        return ((try? JSONValue.parse(Data(line)))?.prettyJSONText ?? String(decoding: line, as: UTF8.self), nil)
    }

    /// A body as text: pretty-printed when it is JSON.
    static func pretty(_ body: Data) -> String {
        if let value = try? JSONValue.parse(body), value.arrayValue != nil || value.objectValue != nil {
            return value.prettyJSONText
        }
        return String(decoding: body, as: UTF8.self)
    }

    // MARK: A contact

    /// Every event that touched a contact, newest first, each with its attempts.
    func timeline(_ contact: String, limit: Int = 200) async throws(BridgeStoreError) -> [(
        event: StoredEvent, attempts: [AttemptRecord]
    )] {
        var entries: [(StoredEvent, [AttemptRecord])] = []
        for event in try await store.events(matching: EventFilter(contact: contact, limit: limit)) {
            entries.append((event, try await store.attempts(eventID: event.id)))
        }
        return entries
    }

    // MARK: Failures and replays

    func failureGroups() async throws(BridgeStoreError) -> [FailureGroup] {
        FailureGroup.groups(try await store.failureCounts())
    }

    /// The selection a request names: `group=KEY` (a group of failures), else the filter parameters.
    func selection(_ query: [String: String]) async throws(BridgeStoreError) -> ReplaySelection {
        if let key = query["group"], !key.isEmpty {
            guard let group = try await failureGroups().first(where: { $0.key == key }) else {
                throw BridgeStoreError("group '\(key)' has no dead event now (replayed meanwhile?)")
            }
            return .group(pipeline: group.pipeline, cause: group.cause)
        }
        return .filter(try await filter(query))
    }

    /// How many events a bulk replay of `selection` would send again (dead and done ones).
    func preview(_ selection: ReplaySelection) async throws(BridgeStoreError) -> Int {
        switch selection {
        case .group(let pipeline, let cause):
            return try await failureGroups().first { $0.pipeline == pipeline && $0.cause == cause }?.count ?? 0
        case .filter(var filter):
            guard filter.status != .pending else { return 0 }
            if filter.status != nil { return try await store.count(matching: filter) }
            filter.status = .dead
            let dead = try await store.count(matching: filter)
            filter.status = .done
            return dead + (try await store.count(matching: filter))
        }
    }

    /// Replays one event and writes it to the audit log.
    func replay(_ id: Int64, force: Bool, fromStart: Bool, actor: String) async throws(BridgeStoreError) -> Int {
        let count = try await store.replay(ids: [id], now: clock.now(), force: force, fromStart: fromStart)
        await audit(
            actor: actor, action: "replay",
            detail: "event \(id)" + (force ? ", force" : "") + (fromStart ? ", from the start" : ""), count: count)
        return count
    }

    /// Reloads the pipelines (nil when this serve cannot), writes it to the audit log, and forgets the kept
    /// overview so the next one shows it.
    func reload(cause: String, test: Bool = false, actor: String) async -> PipelineReloader.Outcome? {
        guard let reloader else { return nil }
        let outcome = await reloader.reload(cause: cause, test: test)
        overviews.forget()
        await audit(
            actor: actor, action: "reload",
            detail: outcome.changes.map { "reloaded: \($0.summary)" } ?? "failed: \(outcome.problems.count) problem(s)",
            count: 0)
        return outcome
    }

    func audit(actor: String, action: String, detail: String, count: Int) async {
        await ReplayJobs.audit(
            store: store, clock: clock, logger: logger, actor: actor, action: action, detail: detail, count: count)
    }
}
