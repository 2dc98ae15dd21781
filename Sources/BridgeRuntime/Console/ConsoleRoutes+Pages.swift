import BridgeCore
import BridgeStore
import Foundation
import Hummingbird

extension ConsoleRoutes {
    typealias Page = (template: String, values: [String: Any])

    func overview(_ session: ConsoleAccess.Session) async throws -> Page {
        let overview = await queries.overview()
        let rows = overview.pipelines.map { row -> [String: Any] in
            var values: [String: Any] = [
                "name": row.name, "nameQuery": Self.queryValue(row.name), "sender": row.sender,
                "version": row.version ?? "not loaded here",
                "receivedHour": row.received.hour, "receivedDay": row.received.day,
                "deliveredHour": row.delivered.hour, "deliveredDay": row.delivered.day,
                "skippedHour": row.skipped.hour, "skippedDay": row.skipped.day, "failedHour": row.failed.hour,
                "failedDay": row.failed.day, "deadHour": row.dead.hour, "deadDay": row.dead.day, "backlog": row.backlog,
            ]
            if row.dead.day > 0 { values["deadAny"] = true }
            if let oldest = row.oldestPending {
                values["oldest"] = ConsoleFormat.age(from: oldest, to: overview.now) + " ago"
            }
            return values
        }
        let polls = overview.polls.map { poll -> [String: Any] in
            var values: [String: Any] = [
                "pipeline": poll.pipeline, "failures": poll.failures, "cursor": poll.cursor?.jsonText ?? "",
                "lastError": poll.lastError ?? "", "lastSuccess": ConsoleFormat.time(poll.lastSuccessAt),
            ]
            if poll.failures > 0 { values["failing"] = true }
            if let success = poll.lastSuccessAt { values["lag"] = ConsoleFormat.age(from: success, to: overview.now) }
            return values
        }
        var values: [String: Any] = [
            "title": "Overview", "navOverview": true, "now": ConsoleFormat.time(overview.now),
            "quotaUsed": overview.quotaUsed, "quota": overview.quota,
            "quotaLeft": max(0, overview.quota - overview.quotaUsed), "forecast": overview.forecast.summary,
            "locked": overview.locked, "limited": overview.limited,
            "pipelineCount": queries.catalog.current.pipelines.count, "generation": overview.generation,
            "chart": DeliveryChart.svg(overview.deliveredPerMinute, now: overview.now),
            "deliveredDay": overview.deliveredPerMinute.values.reduce(0, +),
            "peak": DeliveryChart.peak(overview.deliveredPerMinute), "pipelines": rows, "polls": polls,
            "alerts": overview.alerts,
        ]
        if !polls.isEmpty { values["hasPolls"] = true }
        if let reload = overview.lastReload {
            values["lastReload"] = [
                "outcome": reload.changes == nil ? "failed" : (reload.changes!.isEmpty ? "unchanged" : "reloaded"),
                "cause": reload.cause, "at": ConsoleFormat.time(reload.at),
                "problems": reload.problems.map { String($0.split(separator: "\n", maxSplits: 1).first ?? "") },
            ]
        }
        return ("overview", values)
    }

    func events(_ request: Request, _ session: ConsoleAccess.Session) async throws -> Page {
        let given = try Self.query(request).filter { !$0.value.isEmpty }
        let filter = try await queries.filter(given, maxLimit: 200)
        // Read before the page: the live tail starts after it, so nothing stored meanwhile is missed.
        let newest = try await queries.store.latestEventID() ?? 0
        let page = try await queries.store.page(matching: filter)
        var values = filterValues(given)
        values["title"] = "Events"
        values["navEvents"] = true
        values["events"] = page.events.map(Self.row)
        values["newest"] = newest
        // The live tail follows the same filter, the field excepted (it reads every request).
        let followed = given.filter { ["status", "pipeline", "sender", "contact", "dedupe_id"].contains($0.key) }
        values["tailQuery"] = Self.encode(followed)
        if filter.status != .pending { values["replayable"] = true }
        if let searched = page.searched {
            values["searched"] = "#\(searched.upperBound) down to #\(searched.lowerBound)"
        }
        if let next = page.nextBefore {
            var query = given
            query["before"] = String(next)
            values["next"] = "/console/events?" + Self.encode(query)
        }
        return ("events", values)
    }

    /// The filter form's values and choices as `given` set them.
    func filterValues(_ given: [String: String]) -> [String: Any] {
        let choices = { (list: [String], chosen: String?) in
            list.map { value -> [String: Any] in
                value == chosen ? ["value": value, "selected": true] : ["value": value]
            }
        }
        var values: [String: Any] = [
            "statuses": choices(EventStatus.allCases.map(\.rawValue), given["status"]),
            "pipelineChoices": choices(queries.pipelineNames, given["pipeline"]),
            "senderChoices": choices(queries.senders, given["sender"]), "f": given,
        ]
        values["filterFields"] = given.filter { ConsoleQueries.filterNames.contains($0.key) && $0.key != "before" }
            .sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] }
        return values
    }

    /// An event as a row of the list.
    static func row(_ event: StoredEvent) -> [String: Any] {
        var row: [String: Any] = [
            "id": event.id, "received": ConsoleFormat.time(event.createdAt), "pipeline": event.pipeline,
            "status": event.status.rawValue, "attempts": event.attempts, "dedupe": event.dedupeID,
        ]
        // Absent, not empty: an empty text still opens a Mustache section.
        if let error = event.lastError { row["lastError"] = error }
        if let contact = event.contact {
            row["contact"] = contact
            row["contactQuery"] = Self.queryValue(contact)
        }
        return row
    }

    func event(_ id: String, _ session: ConsoleAccess.Session) async throws -> Page {
        guard let detail = try await queries.detail(id) else {
            return (
                "problem",
                [
                    "title": "Not found", "heading": "404: no such event", "httpStatus": 404, "back": "/console/events",
                    "message": "No event is numbered or has the id '\(id)' (retention may have removed it).",
                ]
            )
        }
        let event = detail.event
        var values: [String: Any] = [
            "title": "Event \(event.id)", "navEvents": true, "id": event.id, "status": event.status.rawValue,
            "pipeline": event.pipeline, "plannedBy": event.plannedBy ?? "not planned yet", "dedupe": event.dedupeID,
            "index": event.index, "received": ConsoleFormat.time(event.createdAt), "progress": event.progress,
            "attempts": event.attempts, "method": detail.method, "target": detail.target, "body": detail.body,
            "headers": detail.headers.map { ["name": $0.name, "value": $0.value] },
            "command": "crisp-bridge events replay \(event.id)",
        ]
        if let contact = event.contact {
            values["contact"] = contact
            values["contactQuery"] = Self.queryValue(contact)
        }
        if let error = event.lastError { values["lastError"] = error }
        if event.status == .pending, let next = event.nextAttemptAt { values["next"] = ConsoleFormat.time(next) }
        if let version = detail.currentVersion { values["currentVersion"] = version }
        if let plan = detail.plan { values["plan"] = plan }
        if let note = detail.planNote { values["planNote"] = note }
        values["attemptRows"] = detail.attempts.map(Self.attempt)
        return ("event", values)
    }

    static func attempt(_ attempt: AttemptRecord) -> [String: Any] {
        [
            "at": ConsoleFormat.time(attempt.at), "outcome": attempt.outcome,
            "status": attempt.httpStatus.map(String.init) ?? "", "duration": ConsoleFormat.duration(attempt.duration),
            "reason": attempt.reason, "operations": operations(attempt.operations),
        ]
    }

    /// What an attempt's operations did, as the templates list them.
    static func operations(_ log: [OperationLog]) -> [[String: Any]] {
        log.map { ["action": $0.action, "subject": $0.subject, "result": $0.result] }
    }

    func contact(_ request: Request, _ session: ConsoleAccess.Session) async throws -> Page {
        let given = (try Self.query(request)["email"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !given.isEmpty else { throw BridgeStoreError("give a contact's email or Crisp people id") }
        let email = try await queries.contactEmail(given)
        let pipelines = queries.catalog.current.pipelines
        let entries = try await queries.timeline(email).map { entry -> [String: Any] in
            var values = Self.row(entry.event)
            values["sender"] = pipelines[entry.event.pipeline]?.trigger.sender.name ?? "not loaded here"
            // What it wrote: the operations of its last attempt that recorded any.
            let operations = entry.attempts.last { !$0.operations.isEmpty }?.operations ?? []
            values["operations"] = Self.operations(operations)
            return values
        }
        return (
            "contact",
            ["title": "Contact \(email)", "email": email, "searchEmail": email, "entries": entries]
        )
    }

    func failures(_ session: ConsoleAccess.Session) async throws -> Page {
        let groups = try await queries.failureGroups().map { group -> [String: Any] in
            [
                "key": group.key, "pipeline": group.pipeline, "pipelineQuery": Self.queryValue(group.pipeline),
                "cause": group.cause, "count": group.count,
                "first": ConsoleFormat.time(group.first), "last": ConsoleFormat.time(group.last),
                "example": group.example,
            ]
        }
        return ("failures", ["title": "Failures", "navFailures": true, "groups": groups])
    }

    func preview(_ form: [String: String], _ session: ConsoleAccess.Session, _ request: Request) async throws
        -> Response
    {
        let selection = try await queries.selection(form)
        let count = try await queries.preview(selection)
        let fields = form.filter { ConsoleQueries.filterNames.contains($0.key) || $0.key == "group" }
            .filter { $0.key != "before" && $0.key != "limit" }.sorted { $0.key < $1.key }
            .map { ["name": $0.key, "value": $0.value] }
        var values: [String: Any] = [
            "title": "Replay", "selection": selection.summary, "count": count, "fields": fields,
            "back": form["group"] != nil ? "/console/failures" : "/console/events", "session": true, "admin": true,
            "role": "admin", "csrf": access.csrf(for: session),
        ]
        if count == 0 { values["none"] = true }
        return render("preview", values, request: request)
    }

    func replays(_ session: ConsoleAccess.Session) async -> Page {
        let jobs = await queries.jobs.all()
        let rows = jobs.map { job -> [String: Any] in
            var row: [String: Any] = [
                "id": job.id, "selection": job.selection.summary, "actor": job.actor, "state": job.state.rawValue,
                "replayed": job.replayed, "expected": job.expected, "expectedMax": max(1, job.expected),
                "started": ConsoleFormat.time(job.started), "ended": ConsoleFormat.time(job.ended),
            ]
            if job.state == .running { row["isRunning"] = true }
            if let problem = job.problem { row["problem"] = problem }
            return row
        }
        var values: [String: Any] = ["title": "Replays", "navReplays": true, "jobs": rows]
        if jobs.contains(where: { $0.state == .running }) { values["running"] = true }
        return ("replays", values)
    }

    /// Query parameters as text, form-encoded.
    static func encode(_ parameters: [String: String]) -> String {
        parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(queryValue($0.value))" }.joined(separator: "&")
    }

    /// A value as a query parameter holds it: everything but unreserved characters percent-encoded (`+`, `&`,
    /// `#` and spaces included).
    static func queryValue(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved: CharacterSet = {
        var set = CharacterSet()
        set.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return set
    }()
}
