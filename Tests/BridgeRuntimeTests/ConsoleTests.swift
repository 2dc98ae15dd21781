import AsyncHTTPClient
import BridgeCore
import BridgeStore
import CrispPeople
import Foundation
import NIOCore
import Testing

@testable import BridgeRuntime

/// The console and the admin API's console queries, over real HTTP against a running bridge, on both stores.
@Suite struct ConsoleTests {
    enum Backend: String, CaseIterable, Sendable { case sqlite, postgres }

    static let adminToken = "console-admin-token-123"
    static let readOnlyToken = "console-readonly-token-456"

    static func start(
        _ backend: Backend = .sqlite, environment: [String: String] = [:],
        configure: @escaping (inout BridgeOptions) -> Void = { _ in }
    ) async throws -> InProcessBridge {
        let store = backend == .postgres ? try await TestPostgres.freshDatabase() : nil
        return try await InProcessBridge.start(
            pipelines: ["signup": try RuntimeHarness.signupPipeline()],
            environment: [
                "TEST_WEBHOOK_PASSWORD": RuntimeHarness.password, "BRIDGE_ADMIN_TOKEN": adminToken,
                "BRIDGE_CONSOLE_READONLY_TOKEN": readOnlyToken,
            ].merging(environment) { $1 }
        ) { options, folder in
            if let store {
                options.store = store
                // Beside a PostgreSQL store the sandbox would keep its state in the working directory.
                options.sandboxState = folder + "/sandbox.json"
            }
            configure(&options)
        }
    }

    /// Three contacts delivered and two events dead (no email), all settled.
    static func sendTraffic(_ bridge: InProcessBridge) async throws {
        for (i, email) in ["a@x.io", "b@x.io", "c@x.io", "not an email", "still not one"].enumerated() {
            #expect(try await bridge.post(body: RuntimeHarness.signup("s\(i)", email: email)).status == 202)
        }
        #expect(try await bridge.idle())
        #expect(try await bridge.store.count(matching: EventFilter(status: .dead)) == 2)
    }

    static func rows(_ page: String) -> Int { page.components(separatedBy: #"<tr id="ev-"#).count - 1 }

    /// Every page and every admin API query answers with what the store holds, on SQLite and PostgreSQL.
    @Test(arguments: Backend.allCases) func everyPageAndQueryShowsTheStore(_ backend: Backend) async throws {
        let bridge = try await Self.start(backend)
        defer { Task { await bridge.stop() } }
        try await Self.sendTraffic(bridge)
        var browser = ConsoleClient(port: bridge.port)
        let anonymous = try await browser.get("/console/events")
        #expect(anonymous.status == 303 && anonymous.location == "/console/login")
        let login = try await browser.login(Self.adminToken)
        #expect(login.status == 303 && login.location == "/console")

        let overview = try await browser.get("/console")
        #expect(overview.status == 200)
        #expect(overview.body.contains(#"<a href="/console/events?pipeline=signup">signup</a>"#))
        let banner = "Pipeline signup: 2 event(s) died in the last hour and wait for a replay"
        #expect(overview.body.contains(banner))
        #expect(overview.headers.first(name: "content-security-policy")?.contains("default-src 'self'") == true)

        let all = try await browser.get("/console/events")
        #expect(Self.rows(all.body) == 5)
        #expect(Self.rows(try await browser.get("/console/events?status=dead").body) == 2)
        #expect(Self.rows(try await browser.get("/console/events?contact=B%40x.io").body) == 1)
        // The filter form sends its empty fields too.
        let form = try await browser.get("/console/events?status=&pipeline=&sender=&contact=b%40x.io&field=&since=")
        #expect(Self.rows(form.body) == 1, "\(form.status)")
        let field = try await browser.get("/console/events?field=body.email+%3D+C%40X.IO")
        #expect(Self.rows(field.body) == 1 && field.body.contains("c@x.io"), "\(field.body)")
        #expect(Self.rows(try await browser.get("/console/events?dedupe_id=s1").body) == 1)
        let badSender = try await browser.get("/console/events?sender=nobody")
        #expect(badSender.status == 400 && badSender.body.contains("is not the sender of any pipeline loaded"))
        let badField = try await browser.get("/console/events?field=email")
        #expect(badField.status == 400 && badField.body.contains("has no &#39;=&#39;"), "\(badField.body)")

        let first = try #require(try await bridge.store.events(matching: EventFilter(contact: "a@x.io")).first)
        let detail = try await browser.get("/console/events/\(first.id)")
        #expect(detail.status == 200)
        #expect(detail.body.contains(#"<pre class="json" id="plan">"#) && detail.body.contains("crisp.profile"))
        #expect(detail.body.contains("<th>authorization</th><td>[redacted]</td>"), "\(detail.body)")
        for secret in [RuntimeHarness.password, Self.adminToken, Self.readOnlyToken] {
            #expect(!detail.body.contains(secret), "the page shows a secret")
        }
        #expect(detail.body.contains("crisp-bridge events replay \(first.id)"))

        let contact = try await browser.get("/console/contact?email=a%40x.io")
        #expect(contact.body.contains("/console/events/\(first.id)") && contact.body.contains("a@x.io: sent"))
        // A Crisp people id is looked up in Crisp for its email.
        let crisp = CrispClient(
            configuration: .init(
                baseURL: bridge.sandboxURL, websiteID: RuntimeHarness.website, identifier: "sandbox-identifier",
                key: "sandbox-key"))
        let found = try await crisp.profile("a@x.io")?["people_id"].stringValue
        try await crisp.shutdown()
        let peopleID = try #require(found)
        let byID = try await browser.get("/console/contact?email=\(peopleID)")
        #expect(byID.body.contains("<h1>Contact a@x.io</h1>"), "\(byID.body)")
        #expect(Self.rows(try await browser.get("/console/events?contact=\(peopleID)").body) == 1)
        let unknown = try await browser.get("/console/contact?email=\(UUID().uuidString)")
        #expect(unknown.status == 400 && unknown.body.contains("Crisp has no contact with people id"))

        let failures = try await browser.get("/console/failures")
        let groups = failures.body.components(separatedBy: "data-group=").count - 1
        #expect(groups == 1 && failures.body.contains(#"<td class="count">2</td>"#), "\(failures.body)")

        // The admin API answers the same queries.
        let token = Self.adminToken
        let events = try await browser.admin(.GET, "/admin/events?field=body.email%20%3D%20a%40x.io", token: token)
        #expect(events.json["events"].arrayValue?.count == 1 && events.json["searched"]["to"].numberValue == 1)
        let timeline = try await browser.admin(.GET, "/admin/contacts/a@x.io", token: token)
        #expect(timeline.json["events"][0]["attempts_log"][0]["outcome"] == "done")
        let grouped = try await browser.admin(.GET, "/admin/failures", token: token)
        #expect(grouped.json["groups"].arrayValue?.count == 1 && grouped.json["groups"][0]["count"] == 2)
        let preview = try await browser.admin(.POST, "/admin/replays?status=dead&preview=1", token: token)
        #expect(preview.json["count"] == 2)
        let overviewJSON = try await browser.admin(.GET, "/admin/overview", token: token)
        #expect(overviewJSON.json["pipelines"][0]["received"]["day"] == 5)
        #expect(try await browser.admin(.GET, "/admin/failures", token: "wrong").status == 401)

        // A bulk replay of the group: previewed, confirmed, run in the background, audited.
        let key = try #require(grouped.json["groups"][0]["group"].stringValue)
        let csrf = try #require(failures.csrf)
        let confirm = try await browser.post("/console/replays/preview", form: ["csrf": csrf, "group": key])
        #expect(confirm.status == 200 && confirm.body.contains("Replay 2 event(s)?"))
        let started = try await browser.post(
            "/console/replays", form: ["csrf": csrf, "group": key, "expected": "2"])
        #expect(started.status == 303 && started.location == "/console/replays?started=1")
        #expect(
            try await bridge.eventually {
                try await browser.get("/console/replays").body.contains(#"<td class="state finished">finished</td>"#)
            })
        #expect(try await bridge.eventually { try await bridge.store.attempts(eventID: 4).count == 3 })
        let jobs = try await browser.admin(.GET, "/admin/replays", token: token)
        #expect(jobs.json["replays"][0]["state"] == "finished" && jobs.json["replays"][0]["replayed"] == 2)
        #expect(try await browser.admin(.GET, "/admin/replays/1", token: token).json["expected"] == 2)
        #expect(try await browser.admin(.GET, "/admin/replays/9", token: token).status == 404)
        #expect(try await browser.admin(.DELETE, "/admin/replays/1", token: token).status == 409, "it ended")
        let cancel = try await browser.post("/console/replays/1/cancel", form: ["csrf": csrf])
        #expect(cancel.status == 409 && cancel.body.contains("is not running"))
        let reload = try await browser.post("/console/reload", form: ["csrf": csrf])
        #expect(reload.status == 303 && reload.location == "/console?notice=reloaded")
        #expect(try await browser.get("/console").body.contains("Last reload: unchanged (the console"))
        let audit = try await browser.get("/console/audit")
        #expect(audit.body.contains("bulk replay finished") && audit.body.contains("console admin"))
        let entries = try await browser.admin(.GET, "/admin/audit", token: token).json["audit"].arrayValue ?? []
        #expect(entries.contains { $0["action"] == "bulk replay" && $0["count"] == 2 })
        #expect(entries.contains { $0["action"] == "login" })
    }

    /// Who may do what: a session cookie made safe, wrong tokens refused and throttled, a read-only session
    /// sees but cannot act, every change needs its session's CSRF token, a forged cookie is no session.
    @Test func accessIsCheckedOnEveryRequest() async throws {
        let bridge = try await Self.start()
        defer { Task { await bridge.stop() } }
        try await Self.sendTraffic(bridge)
        var attacker = ConsoleClient(port: bridge.port)
        for _ in 0..<5 { #expect(try await attacker.login("guess").status == 401) }
        let throttled = try await attacker.login(Self.adminToken)
        #expect(throttled.status == 429 && throttled.headers.first(name: "retry-after") != nil)
        #expect(attacker.cookie == nil, "no session while throttled, even with the right token")

        var reader = ConsoleClient(port: bridge.port)
        let readLogin = try await reader.login(Self.readOnlyToken, headers: ["x-forwarded-for": "10.0.0.9"])
        // The throttle counts by the peer's address: the reader shares the attacker's (loopback).
        #expect(readLogin.status == 429)
        try await Task.sleep(for: .milliseconds(10))

        let other = try await Self.start()
        defer { Task { await other.stop() } }
        try await Self.sendTraffic(other)
        reader = ConsoleClient(port: other.port)
        let viaHTTPS = try await reader.login(Self.readOnlyToken, headers: ["x-forwarded-proto": "https"])
        let cookie = try #require(viaHTTPS.headers.first(name: "set-cookie"))
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/console", "Secure"] {
            #expect(cookie.contains(flag), "\(cookie)")
        }
        let page = try await reader.get("/console/events/1")
        #expect(page.status == 200 && !page.body.contains(#"id="replay""#) && page.body.contains("read-only"))
        #expect(!(try await reader.get("/console/failures").body.contains("Replay group")))
        let readCSRF = try #require(page.csrf)
        let refused = try await reader.post("/console/events/1/replay", form: ["csrf": readCSRF])
        #expect(refused.status == 403 && refused.body.contains("read-only"))

        var admin = ConsoleClient(port: other.port)
        let adminLogin = try await admin.login(Self.adminToken)
        #expect(adminLogin.headers.first(name: "set-cookie")?.contains("Secure") == false, "plain HTTP")
        let adminPage = try await admin.get("/console/events/1")
        #expect(adminPage.body.contains(#"id="replay""#))
        #expect(try await admin.post("/console/events/1/replay", form: [:]).status == 403, "no CSRF token")
        #expect(
            try await admin.post("/console/events/1/replay", form: ["csrf": readCSRF]).status == 403,
            "another session's token")
        let replayed = try await admin.post(
            "/console/events/1/replay", form: ["csrf": try #require(adminPage.csrf)])
        #expect(replayed.status == 303 && replayed.location == "/console/events/1?notice=replayed")
        #expect(try await other.eventually { try await other.store.attempts(eventID: 1).count == 3 })

        var forged = admin
        forged.cookie = admin.cookie.map { String($0.dropLast()) + ($0.hasSuffix("0") ? "1" : "0") }
        #expect(try await forged.get("/console").status == 303, "a cookie with a wrong signature")
        var upgraded = reader
        upgraded.cookie = reader.cookie?.replacingOccurrences(of: "v1.read-only.", with: "v1.admin.")
        #expect(try await upgraded.get("/console").status == 303, "a read-only cookie edited to admin")

        let audit = try await other.store.auditEntries(limit: 20)
        #expect(audit.contains { $0.action == "replay" && $0.actor == "console admin" && $0.count == 1 })
        #expect(
            try await bridge.store.auditEntries(limit: 20).filter { $0.action == "login refused" }.count == 1,
            "one entry per address and minute: guesses cannot flood the audit log")
    }

    /// Attempts sent at once are counted as they are checked: no more than the limit get their token checked.
    @Test func loginsSentAtOnceAreThrottledToo() async throws {
        let bridge = try await Self.start()
        defer { Task { await bridge.stop() } }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    var client = ConsoleClient(port: bridge.port)
                    return try await client.login("guess").status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 401 }.count == 5 && statuses.filter { $0 == 429 }.count == 15, "\(statuses)")
    }

    /// A session is signed with both tokens: changing or removing the read-only token ends read-only sessions
    /// (and the others); a read-only cookie is nothing without a read-only token.
    @Test func changingATokenEndsItsSessions() {
        let now = Date()
        let before = ConsoleAccess(adminToken: "admin", readOnlyToken: "ro-1")
        let cookie = before.cookie(for: .readOnly, now: now).value
        #expect(before.session(cookie: cookie, now: now)?.role == .readOnly)
        #expect(ConsoleAccess(adminToken: "admin", readOnlyToken: "ro-2").session(cookie: cookie, now: now) == nil)
        #expect(ConsoleAccess(adminToken: "admin", readOnlyToken: nil).session(cookie: cookie, now: now) == nil)
        #expect(ConsoleAccess(adminToken: "other", readOnlyToken: "ro-1").session(cookie: cookie, now: now) == nil)
        #expect(before.session(cookie: cookie, now: now.addingTimeInterval(ConsoleAccess.lifetime + 1)) == nil)
    }

    /// Text from a webhook cannot end an attribute: a quote joined to a combining mark (one character to the
    /// template engine, a quote to the browser) is escaped too.
    @Test func aQuoteJoinedToACombiningMarkIsEscaped() {
        let hostile = "x\"\u{301} hidden data-x=\"y"
        let page = ConsoleTemplates.render(
            "failures",
            ["groups": [["key": "k", "pipeline": "p", "cause": "c", "count": 1, "example": hostile]]])
        #expect(!page.contains("\"\u{301} hidden") && !page.contains("\u{301} hidden data-x=\"y"), "\(page)")
        #expect(page.contains("&quot;"))
    }

    /// Values in links are percent-encoded (a `+` is not a space); wrong ids and queries get their status.
    @Test func linksCarryTheirValuesEncodedAndBadRequestsTheirStatus() async throws {
        let bridge = try await Self.start()
        defer { Task { await bridge.stop() } }
        #expect(try await bridge.post(body: RuntimeHarness.signup("plus", email: "d+tag@x.io")).status == 202)
        #expect(try await bridge.idle())
        var browser = ConsoleClient(port: bridge.port)
        try await browser.login(Self.adminToken)
        let list = try await browser.get("/console/events")
        #expect(list.body.contains(#"href="/console/contact?email=d%2Btag%40x.io""#), "\(list.body)")
        let contact = try await browser.get("/console/contact?email=d%2Btag%40x.io")
        #expect(contact.body.contains("<h1>Contact d+tag@x.io</h1>") && contact.body.contains("/console/events/1"))
        #expect(try await browser.get("/console/events/999").status == 404)
        let twice = try await browser.get("/console/events?status=dead&status=done")
        #expect(twice.status == 400 && twice.body.contains("given twice"))
        #expect(try await browser.get("/console/tail?status=nonsense").status == 400)
    }

    /// Without an admin token, or with `--no-console`, there is no console.
    @Test func theConsoleIsOffWithoutATokenOrWithNoConsole() async throws {
        let off = try await Self.start(environment: ["BRIDGE_ADMIN_TOKEN": ""])
        #expect(try await ConsoleClient(port: off.port).get("/console/login").status == 404)
        await off.stop()
        let disabled = try await Self.start { $0.console = false }
        #expect(try await ConsoleClient(port: disabled.port).get("/console/login").status == 404)
        #expect(
            try await ConsoleClient(port: disabled.port).admin(.GET, "/admin/failures", token: Self.adminToken).status
                == 200, "the admin API stays")
        await disabled.stop()
    }

    /// The live tail sends a new event as it arrives and again when it is delivered.
    @Test func theLiveTailFollowsNewEvents() async throws {
        let bridge = try await Self.start()
        defer { Task { await bridge.stop() } }
        var browser = ConsoleClient(port: bridge.port)
        try await browser.login(Self.adminToken)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(bridge.port)/console/tail?after=0&pipeline=signup")
        request.headers.add(name: "cookie", value: try #require(browser.cookie))
        let response = try await ConsoleClient.client.execute(request, timeout: .seconds(30))
        #expect(response.headers.first(name: "content-type") == "text/event-stream")
        #expect(try await bridge.post(body: RuntimeHarness.signup("tail-1", email: "tail@x.io")).status == 202)
        var text = ""
        for try await chunk in response.body {
            text += String(buffer: chunk)
            if text.contains(#""status":"done""#) { break }
        }
        #expect(text.contains("event: event") && text.contains(#""dedupe_id":"tail-1""#))
        #expect(text.contains(#""status":"done""#))
        let unauthenticated = try await ConsoleClient(port: bridge.port).get("/console/tail?after=0")
        #expect(unauthenticated.status == 401)
    }

    /// A bulk replay runs a page at a time and can be cancelled: what it re-queued stays re-queued, the rest
    /// stays dead, and the cancel is in the audit log.
    @Test func aBulkReplayCanBeCancelled() async throws {
        let folder = NSTemporaryDirectory() + "console-replay-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try SQLiteBridgeStore(path: folder + "/bridge.sqlite")
        let t = Date()
        for i in 0..<300 {
            let id = try await store.accept(
                StoreConformance.request("p", at: t), events: [.init(index: 0, dedupeID: "r\(i)")])[0].eventID
            try await store.finish(eventID: id, outcome: .dead(reason: "Crisp 400 for u\(i)@x.io", status: 400), at: t)
        }
        let jobs = ReplayJobs(store: store, clock: SystemClock(), logger: .init(label: "test"), batch: 1)
        let group = try #require(FailureGroup.groups(try await store.failureCounts()).first)
        #expect(group.count == 300 && group.cause == "Crisp 400 for <email>", "one cause for every email")
        let job = await jobs.start(
            .group(pipeline: "p", cause: group.cause), expected: 300, actor: "test", force: false, fromStart: false)
        while (await jobs.job(job.id)?.replayed ?? 0) < 3 { try await Task.sleep(for: .milliseconds(1)) }
        #expect(await jobs.cancel(job.id, actor: "test"))
        await jobs.wait(job.id)
        let ended = try #require(await jobs.job(job.id))
        #expect(ended.state == .cancelled && ended.replayed < 300)
        let pending = try await store.count(matching: EventFilter(status: .pending))
        let dead = try await store.count(matching: EventFilter(status: .dead))
        #expect(pending == ended.replayed && pending + dead == 300)
        #expect(!(await jobs.cancel(job.id, actor: "test")), "a cancelled replay cannot be cancelled again")
        let actions = try await store.auditEntries(limit: 10).map(\.action)
        #expect(actions.contains("cancel replay") && actions.contains("bulk replay"))
    }
}
