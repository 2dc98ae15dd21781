import BridgeCore
import BridgeStore
import Foundation
import Hummingbird

extension AdminRoutes {
    /// The console's queries for scripts: a contact's timeline, failures grouped, bulk replays (with a preview
    /// count, progress and cancel), the audit log and the overview — the same answers the console shows.
    static func addConsoleQueries(
        to admin: RouterGroup<BridgeRequestContext>, queries: ConsoleQueries, token: String
    ) {
        admin.get("contacts/:email") { request, context in
            try authorize(request, token)
            let given = context.parameters.get("email")?.removingPercentEncoding ?? ""
            let email: String
            do {
                email = try await queries.contactEmail(given)
            } catch {
                return WebhookIntake.json(400, ["error": .string("\(error)")])
            }
            let entries = try await queries.timeline(email).map { entry -> JSONValue in
                var out = entry.event.json.objectValue ?? [:]
                out["attempts_log"] = .array(entry.attempts.map(\.json))
                return .object(out)
            }
            return WebhookIntake.json(200, ["contact": .string(email), "events": .array(entries)])
        }
        admin.get("failures") { request, _ in
            try authorize(request, token)
            let groups = try await queries.failureGroups().map { group -> JSONValue in
                [
                    "group": .string(group.key), "pipeline": .string(group.pipeline), "cause": .string(group.cause),
                    "count": .number(Double(group.count)), "first_seen": .string(BridgeTime.iso(group.first)),
                    "last_seen": .string(BridgeTime.iso(group.last)), "example": .string(group.example),
                ]
            }
            return WebhookIntake.json(200, ["groups": .array(groups)])
        }
        // POST /admin/replays?group=KEY or ?status=dead&pipeline=…: with preview=1 the count only; else starts a
        // bulk replay and answers 202 with it.
        admin.post("replays") { request, _ in
            try authorize(request, token)
            do {
                let given = try ConsoleRoutes.query(request)
                let selection = try await queries.selection(given)
                let count = try await queries.preview(selection)
                if ["1", "true"].contains(given["preview"] ?? "") {
                    return WebhookIntake.json(
                        200, ["selection": .string(selection.summary), "count": .number(Double(count))])
                }
                let job = await queries.jobs.start(
                    selection, expected: count, actor: "admin API", force: given["force"] == "true",
                    fromStart: given["from_start"] == "true")
                return WebhookIntake.json(202, job.json)
            } catch {
                return WebhookIntake.json(400, ["error": .string("\(error)")])
            }
        }
        admin.get("replays") { request, _ in
            try authorize(request, token)
            return WebhookIntake.json(200, ["replays": .array(await queries.jobs.all().map(\.json))])
        }
        admin.get("replays/:id") { request, context in
            try authorize(request, token)
            guard let job = await queries.jobs.job(Int(context.parameters.get("id") ?? "") ?? 0) else {
                return WebhookIntake.json(404, ["error": "no bulk replay with this number on this instance"])
            }
            return WebhookIntake.json(200, job.json)
        }
        admin.delete("replays/:id") { request, context in
            try authorize(request, token)
            let id = Int(context.parameters.get("id") ?? "") ?? 0
            guard await queries.jobs.cancel(id, actor: "admin API") else {
                return WebhookIntake.json(409, ["error": .string("bulk replay \(id) is not running")])
            }
            return WebhookIntake.json(200, await queries.jobs.job(id)?.json ?? .null)
        }
        admin.get("audit") { request, _ in
            try authorize(request, token)
            let limit = Int(request.uri.queryParameters.get("limit") ?? "") ?? 100
            let entries = try await queries.store.auditEntries(limit: min(max(limit, 1), 1000))
            return WebhookIntake.json(200, ["audit": .array(entries.map(\.json))])
        }
        admin.get("overview") { request, _ in
            try authorize(request, token)
            return WebhookIntake.json(200, await queries.overview().json)
        }
    }
}
