import Foundation

/// The effect of a change to a pipeline (`crisp-bridge diff OLD.yaml NEW.yaml`): every request is planned with
/// both versions, with the same environment and the same recorded fetch answers, and each event's result is
/// compared as `crisp-bridge test` compares a case (`JSONDiff`, the old version as expected, the new one as
/// actual).
///
/// Events are matched by their position in the request. A request that one version refuses (401, 400…) and the
/// other splits into events is reported for the whole request. An event whose plan called a fetch that has no
/// recorded answer is not compared: it is counted as `Change.withoutFetchAnswer`.
public struct PipelineDiff: Sendable {
    /// One request to plan with both versions: a recording, or a request the store kept.
    public struct Input: Sendable {
        /// What the request is, for people: the recording's path, or `stored request 12`.
        public var name: String
        public var request: WebhookRequest
        /// Recorded answers of the fetch calls, by fetch name, in call order.
        public var fetches: [String: [FetchResponse]]
        /// The fetch names whose one answer serves every call.
        public var repeatingFetches: Set<String>
        /// Whether the sender was checked when the request was recorded or stored: its credentials are redacted,
        /// so the signature is not checked again.
        public var verified: Bool

        public init(
            name: String, request: WebhookRequest, fetches: [String: [FetchResponse]] = [:],
            repeatingFetches: Set<String> = [], verified: Bool
        ) {
            self.name = name
            self.request = request
            self.fetches = fetches
            self.repeatingFetches = repeatingFetches
            self.verified = verified
        }
    }

    /// How an event's result moved from the old version to the new one.
    public enum Change: String, Sendable, CaseIterable {
        /// The same operations (or skipped by both, or failed by both for the same reason).
        case same
        /// Planned by both with different operations, or failed by both for different reasons.
        case changed
        /// Planned or skipped before, failed now.
        case newlyFailing = "newly failing"
        /// Planned before, skipped by `when` now.
        case newlySkipped = "newly skipped"
        /// Skipped by `when` before, planned now.
        case noLongerSkipped = "no longer skipped"
        /// Failed before, planned or skipped now.
        case fixed
        /// Only the new version has this event (its `each` gives more).
        case added
        /// Only the old version has this event.
        case removed
        /// A fetch call of either version had no recorded answer: the event cannot be compared offline.
        case withoutFetchAnswer = "without a fetch answer"
    }

    /// One event of a request both versions split into events.
    public struct EventResult: Sendable {
        /// The event's position in the request (0 for the first).
        public let index: Int
        /// Its dedupe id (the new version's, else the old one's).
        public let id: String
        public let change: Change
        /// Where the results differ (`expected` is the old version's value, `actual` the new one's); empty when
        /// they are the same, and for an event without a fetch answer (nothing to compare).
        public let differences: [JSONDiff.Difference]
        /// The old version's outcome (nil for an added event).
        public let before: EventOutcome?
        /// The new version's outcome (nil for a removed event).
        public let after: EventOutcome?

        /// Why a fetch call could not be answered, when the event is `withoutFetchAnswer`.
        public var unansweredFetch: String? {
            for outcome in [after, before] {
                if case .failed(let reason, _)? = outcome?.status, RecordedFetcher.isUnanswered(reason: reason) {
                    return reason
                }
            }
            return nil
        }
    }

    /// How a whole request fared.
    public enum RequestChange: Sendable, Equatable {
        /// Both versions split it into events, compared in `events`.
        case compared
        /// Both refused it with the same status, or both took it for the sender's handshake.
        case refusedByBoth
        /// The old version split it into events; the new one refuses it (or takes it for a handshake).
        case newlyRefused
        /// The old version refused it; the new one splits it into events.
        case newlyAccepted
        /// Both refuse it, with different statuses (or one refuses what the other takes for a handshake).
        case refusedDifferently
    }

    /// The comparison of one request.
    public struct RequestResult: Sendable {
        public let input: Input
        public let before: RequestOutcome
        public let after: RequestOutcome
        public let change: RequestChange
        /// Per event, when both versions split the request into events.
        public let events: [EventResult]
        /// Variables a refusing version reads that the environment lacks (a likely reason for a refusal).
        public let unsetVariables: [String]
    }

    /// Everything a diff found.
    public struct Report: Sendable {
        public var requests: [RequestResult] = []
        /// Recordings of other routes, not planned (their path matches neither version's webhook path).
        public var otherRoutes: [String] = []
        /// Problems of recordings that could not be read.
        public var diagnostics: [Diagnostic] = []

        public init() {}

        /// The compared events, in request order.
        public var events: [EventResult] { requests.flatMap(\.events) }

        /// How many events changed this way.
        public func count(_ change: Change) -> Int { events.filter { $0.change == change }.count }

        /// How many requests changed this way.
        public func count(_ change: RequestChange) -> Int { requests.filter { $0.change == change }.count }

        /// Whether an event that planned (or was skipped) before fails now, or a request the old version took is
        /// refused now: what makes `diff` exit 1.
        public var somethingNewlyFails: Bool { count(.newlyFailing) > 0 || count(.newlyRefused) > 0 }

        /// `37 events: 12 changed, 25 same, 0 newly failing`, then the other counts that are not zero
        /// (`, 1 newly skipped`, `, 1 request newly refused`…).
        public var summary: String {
            var text = "\(events.count) events: \(count(.changed)) changed, \(count(.same)) same, "
            text += "\(count(.newlyFailing)) newly failing"
            for change in Change.allCases where ![.same, .changed, .newlyFailing].contains(change) {
                let n = count(change)
                if n > 0 { text += ", \(n) \(change.rawValue)" }
            }
            let requestCounts: [(RequestChange, String)] = [
                (.newlyRefused, "newly refused"), (.newlyAccepted, "newly accepted"),
                (.refusedDifferently, "refused differently"), (.refusedByBoth, "refused by both"),
            ]
            for (change, label) in requestCounts {
                let n = count(change)
                if n > 0 { text += ", \(n) request\(n == 1 ? "" : "s") \(label)" }
            }
            return text
        }
    }

    /// The version the requests were planned with until now.
    public let before: Pipeline
    /// The changed version.
    public let after: Pipeline
    /// `env` for both versions.
    public var environment: [String: String]
    /// The public base URL senders call, for senders that sign the URL (HubSpot v3).
    public var publicURL: String?
    /// Answers for the fetch names an input has no recorded answers for (`--fetch NAME=FILE`): per name, in
    /// call order; a name with one answer serves every call.
    public var fetches: [String: [FetchResponse]] = [:]
    /// Whether to check the senders' signatures of inputs that were not verified when recorded.
    public var verifySignatures = true

    public init(before: Pipeline, after: Pipeline, environment: [String: String], publicURL: String? = nil) {
        self.before = before
        self.after = after
        self.environment = environment
        self.publicURL = publicURL
    }

    /// Whether a request's path is the webhook route of either version.
    public func routes(_ request: WebhookRequest) -> Bool {
        before.trigger.pathPattern.match(request.path) != nil || after.trigger.pathPattern.match(request.path) != nil
    }

    /// Plans every input with both versions and compares them.
    public func run(_ inputs: [Input]) async -> Report {
        var report = Report()
        for input in inputs { report.requests.append(await compare(input)) }
        return report
    }

    /// Plans one request with both versions and compares the outcomes, event by event.
    public func compare(_ input: Input) async -> RequestResult {
        let old = await plan(input, with: before)
        let new = await plan(input, with: after)
        var events: [EventResult] = []
        let change: RequestChange
        var refusing: [Pipeline] = []
        switch (old, new) {
        case (.events(let o), .events(let n)):
            change = .compared
            for i in 0..<max(o.count, n.count) {
                events.append(compare(i < o.count ? o[i] : nil, i < n.count ? n[i] : nil, at: i))
            }
        case (.events, _):
            change = .newlyRefused
            refusing = [after]
        case (_, .events):
            change = .newlyAccepted
            refusing = [before]
        case (.rejected(let s1, _), .rejected(let s2, _)) where s1 == s2:
            change = .refusedByBoth
            refusing = [before, after]
        case (.handshake, .handshake):
            change = .refusedByBoth
        default:
            change = .refusedDifferently
            refusing = [before, after]
        }
        var unset: [String] = []
        for pipeline in refusing {
            for reference in pipeline.environmentReferences
            where !reference.hasDefault && environment[reference.name] == nil && !unset.contains(reference.name) {
                unset.append(reference.name)
            }
        }
        return RequestResult(
            input: input, before: old, after: new, change: change, events: events, unsetVariables: unset)
    }

    /// The outcome of one version on one input, with a fresh fetcher (answers are used up in call order).
    private func plan(_ input: Input, with pipeline: Pipeline) async -> RequestOutcome {
        var answers = input.fetches
        var repeating = input.repeatingFetches
        for (name, given) in fetches where answers[name] == nil {
            answers[name] = given
            if given.count == 1 { repeating.insert(name) }
        }
        var context = TransformContext(
            environment: environment, fetcher: RecordedFetcher(sequences: answers, repeating: repeating),
            verifySignatures: verifySignatures && !input.verified, publicURL: publicURL)
        context.secretNames = pipeline.secretNames(environment: environment)
        return await pipeline.run(input.request, context: context)
    }

    /// Compares the event at `index` of the old version (`old`) with the new version's (`new`).
    private func compare(_ old: EventOutcome?, _ new: EventOutcome?, at index: Int) -> EventResult {
        let id = new?.id ?? old?.id ?? ""
        guard let old, let new else {
            return EventResult(
                index: index, id: id, change: old == nil ? .added : .removed,
                differences: [
                    JSONDiff.Difference(
                        path: [.index(index)], expected: old?.expectationJSON, actual: new?.expectationJSON)
                ], before: old, after: new)
        }
        var differences = JSONDiff.differences(expected: old.expectationJSON, actual: new.expectationJSON)
        var change: Change
        switch (old.status, new.status) {
        case _ where Self.unanswered(old) || Self.unanswered(new):
            change = .withoutFetchAnswer
            differences = []
        case (.failed(let r1, _), .failed(let r2, _)):
            // Reasons name places in each version's file: compared without them, shown in full.
            let same = located(r1, in: before) == located(r2, in: after)
            differences =
                same ? [] : [JSONDiff.Difference(path: [.key("failed")], expected: .string(r1), actual: .string(r2))]
            change = same ? .same : .changed
        case (_, .failed): change = .newlyFailing
        case (.failed, _): change = .fixed
        case (.planned, .skipped): change = .newlySkipped
        case (.skipped, .planned): change = .noLongerSkipped
        default: change = differences.isEmpty ? .same : .changed
        }
        if old.id != new.id, change != .withoutFetchAnswer {
            // A changed dedupe id (`id:`) matters too: the store would take the event for a new one.
            differences.append(
                JSONDiff.Difference(path: [.key("id")], expected: .string(old.id), actual: .string(new.id)))
            if change == .same { change = .changed }
        }
        return EventResult(
            index: index, id: id, change: change,
            differences: differences.map {
                JSONDiff.Difference(path: [.index(index)] + $0.path, expected: $0.expected, actual: $0.actual)
            }, before: old, after: new)
    }

    /// Whether the event failed because a fetch call had no recorded answer.
    private static func unanswered(_ event: EventOutcome) -> Bool {
        if case .failed(let reason, _) = event.status { return RecordedFetcher.isUnanswered(reason: reason) }
        return false
    }

    /// A failure reason without the places in the pipeline's file (`pipelines/x.yaml:12:18: `): the two versions
    /// are different files, and lines move when a file changes.
    private func located(_ reason: String, in pipeline: Pipeline) -> String {
        let pattern = NSRegularExpression.escapedPattern(for: pipeline.file) + #":\d+:\d+: "#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return reason }
        return regex.stringByReplacingMatches(
            in: reason, range: NSRange(reason.startIndex..., in: reason), withTemplate: "")
    }
}
