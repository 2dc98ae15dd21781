import BridgeCore
import BridgeStore
import Crypto
import Foundation
import Hummingbird
import NIOCore

/// The admin HTTP API: the `events` commands over HTTP, behind `Authorization: Bearer <BRIDGE_ADMIN_TOKEN>`.
/// Without a token configured the routes do not exist.
enum AdminRoutes {
    static func add(to router: Router<BridgeRequestContext>, queries: ConsoleQueries, token: String) {
        let (store, clock) = (queries.store, queries.clock)
        let admin = router.group("admin")
        if queries.reloader != nil {
            // 200 with what changed, or 422 with every problem (the running pipelines stay).
            admin.post("reload") { request, _ in
                try authorize(request, token)
                let given = request.uri.queryParameters.get("test")?.lowercased()
                guard given == nil || ["1", "true", "yes", "0", "false", "no"].contains(given!) else {
                    return WebhookIntake.json(400, ["error": "test is 1 (run the test files first) or 0"])
                }
                let test = ["1", "true", "yes"].contains(given ?? "")
                guard let outcome = await queries.reload(cause: "POST /admin/reload", test: test, actor: "admin API")
                else { return WebhookIntake.json(404, ["error": "this serve cannot reload its pipelines"]) }
                guard let changes = outcome.changes else {
                    return WebhookIntake.json(
                        422,
                        [
                            "outcome": "failed", "generation": .number(Double(outcome.generation)),
                            // `file:line:col: error: message`, without the source line the log shows.
                            "problems": .array(
                                outcome.problems.map {
                                    .string(String($0.split(separator: "\n", maxSplits: 1).first ?? ""))
                                }),
                        ])
                }
                let names = { (list: [String]) in JSONValue.array(list.map(JSONValue.string)) }
                return WebhookIntake.json(
                    200,
                    [
                        "outcome": changes.isEmpty ? "unchanged" : "reloaded",
                        "generation": .number(Double(outcome.generation)), "added": names(changes.added),
                        "changed": names(changes.changed), "removed": names(changes.removed),
                        "variables": names(changes.variables),
                    ])
            }
        }
        admin.get("events") { request, _ in
            try authorize(request, token)
            let page: EventPage
            do {
                let given = try ConsoleRoutes.query(request)
                let filter =
                    try await queries.filter(given)
                page = try await store.page(matching: filter)
            } catch {
                return WebhookIntake.json(400, ["error": .string("\(error)")])
            }
            var answer: [String: JSONValue] = ["events": .array(page.events.map(\.json))]
            // The next page: the same filter, before the last event of this one (or of the window searched).
            if let next = page.nextBefore { answer["next_before"] = .number(Double(next)) }
            if let searched = page.searched {
                answer["searched"] = [
                    "from": .number(Double(searched.upperBound)), "to": .number(Double(searched.lowerBound)),
                ]
            }
            return WebhookIntake.json(200, .object(answer))
        }
        admin.get("events/:id") { request, context in
            try authorize(request, token)
            guard let given = context.parameters.get("id"), let event = try await store.find(given).last else {
                return WebhookIntake.json(404, ["error": "no event numbered or with this id"])
            }
            var out = event.json.objectValue ?? [:]
            out["attempts_log"] = .array(try await store.attempts(eventID: event.id).map(\.json))
            return WebhookIntake.json(200, .object(out))
        }
        admin.post("events/:id/replay") { request, context in
            try authorize(request, token)
            guard let given = context.parameters.get("id"), let event = try await store.find(given).last else {
                return WebhookIntake.json(404, ["error": "no event numbered or with this id"])
            }
            let fromStart = request.uri.queryParameters.get("from_start") == "true"
            let force = request.uri.queryParameters.get("force") == "true"
            let count = try await queries.replay(event.id, force: force, fromStart: fromStart, actor: "admin API")
            return WebhookIntake.json(count == 1 ? 200 : 409, ["replayed": .number(Double(count))])
        }
        admin.get("polls") { request, _ in
            try authorize(request, token)
            return WebhookIntake.json(
                200, ["polls": .array(try await store.pollStates().map { $0.json(now: clock.now()) })])
        }
        admin.post("replay") { request, _ in
            try authorize(request, token)
            guard let since = request.uri.queryParameters.get("since"),
                let ms = try? ExpressionLanguage.evaluate("unix_ms(t)", ["t": .string(since)]).numberValue
            else {
                return WebhookIntake.json(400, ["error": "give since=TIME (ISO 8601)"])
            }
            let fromStart = request.uri.queryParameters.get("from_start") == "true"
            let count = try await store.replayDead(
                since: Date(timeIntervalSince1970: ms / 1000), now: clock.now(), fromStart: fromStart)
            await queries.audit(
                actor: "admin API", action: "replay", detail: "dead events since \(since)", count: count)
            return WebhookIntake.json(200, ["replayed": .number(Double(count))])
        }
        addConsoleQueries(to: admin, queries: queries, token: token)
    }

    /// Compares the bearer token in constant time (digests of equal length). The scheme's case does not matter
    /// (RFC 9110: `bearer` is `Bearer`).
    static func authorize(_ request: Request, _ token: String) throws {
        let given = request.headers[.authorization].flatMap {
            $0.lowercased().hasPrefix("bearer ") ? String($0.dropFirst(7)) : nil
        }
        let a = SHA256.hash(data: Data((given ?? "").utf8))
        let b = SHA256.hash(data: Data(token.utf8))
        guard given != nil, a == b else {
            throw HTTPError(.unauthorized, message: "a valid admin bearer token is required")
        }
    }
}
