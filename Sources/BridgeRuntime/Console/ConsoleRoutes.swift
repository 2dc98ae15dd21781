import BridgeCore
import BridgeStore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The operator console at `/console`, served by `serve` on its own port when an admin token is set: server-
/// rendered pages (`ConsoleTemplates`) with a little script (`ConsoleAssets`), a signed session cookie, a CSRF
/// token on every form that changes something, and login attempts throttled. A read-only session sees every page
/// and no action.
struct ConsoleRoutes: Sendable {
    let queries: ConsoleQueries
    let access: ConsoleAccess
    let throttle: LoginThrottle
    var logger: Logger { queries.logger }

    func add(to router: Router<BridgeRequestContext>) {
        router.get("console") { request, _ in
            try await self.page(request) { session in try await self.overview(session) }
        }
        let console = router.group("console")
        console.get("assets/console.css") { _, _ in Self.asset(ConsoleAssets.css, type: "text/css; charset=utf-8") }
        console.get("assets/console.js") { _, _ in
            Self.asset(ConsoleAssets.js, type: "text/javascript; charset=utf-8")
        }
        console.get("login") { request, _ in
            if self.session(request) != nil { return Self.redirect("/console") }
            return self.render("login", ["title": "Sign in"], request: request)
        }
        console.post("login") { request, context in try await self.login(request, context: context) }
        console.post("logout") { request, _ in
            guard let session = self.session(request) else { return Self.redirect("/console/login") }
            guard self.access.checks(csrf: try? await Self.form(request)["csrf"], for: session) else {
                return self.refuse(403, "the form's CSRF token is missing or wrong: reload the page", request)
            }
            var response = Self.redirect("/console/login")
            response.setCookie(self.cookie("", request: request, maxAge: 0))
            return response
        }
        console.get("events") { request, _ in
            try await self.page(request) { session in try await self.events(request, session) }
        }
        console.get("events/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await self.page(request) { session in try await self.event(id, session) }
        }
        console.post("events/:id/replay") { request, context in
            try await self.act(request) { session, form in
                guard let event = try await self.queries.store.find(context.parameters.get("id") ?? "").last else {
                    return self.refuse(404, "no event numbered or with this id", request)
                }
                let force = form["force"] == "1"
                let fromStart = form["from_start"] == "1"
                let count = try await self.queries.replay(
                    event.id, force: force, fromStart: fromStart, actor: session.role.actor)
                return Self.redirect(
                    "/console/events/\(event.id)?notice=" + (count == 1 ? "replayed" : "not-replayable"))
            }
        }
        console.get("contact") { request, _ in
            try await self.page(request) { session in try await self.contact(request, session) }
        }
        console.get("failures") { request, _ in
            try await self.page(request) { session in try await self.failures(session) }
        }
        console.post("replays/preview") { request, _ in
            try await self.act(request) { session, form in try await self.preview(form, session, request) }
        }
        console.post("replays") { request, _ in
            try await self.act(request) { session, form in
                let selection = try await self.queries.selection(form)
                let job = await self.queries.jobs.start(
                    selection, expected: Int(form["expected"] ?? "") ?? 0, actor: session.role.actor,
                    force: form["force"] == "1", fromStart: form["from_start"] == "1")
                return Self.redirect("/console/replays?started=\(job.id)")
            }
        }
        console.get("replays") { request, _ in try await self.page(request) { session in await self.replays(session) } }
        console.post("replays/:id/cancel") { request, context in
            try await self.act(request) { session, _ in
                let id = Int(context.parameters.get("id") ?? "") ?? 0
                guard await self.queries.jobs.cancel(id, actor: session.role.actor) else {
                    return self.refuse(409, "bulk replay \(id) is not running", request)
                }
                return Self.redirect("/console/replays")
            }
        }
        console.post("reload") { request, _ in
            try await self.act(request) { session, _ in
                guard let outcome = await self.queries.reload(cause: "the console", actor: session.role.actor) else {
                    return self.refuse(409, "this serve cannot reload its pipelines", request, session: session)
                }
                return Self.redirect("/console?notice=" + (outcome.changes == nil ? "reload-failed" : "reloaded"))
            }
        }
        console.get("audit") { request, _ in
            try await self.page(request) { session in
                let entries = try await self.queries.store.auditEntries(limit: 200).map { entry -> [String: Any] in
                    [
                        "at": ConsoleFormat.time(entry.at), "actor": entry.actor, "action": entry.action,
                        "detail": entry.detail, "count": entry.count,
                    ]
                }
                return ("audit", ["title": "Audit log", "navAudit": true, "entries": entries])
            }
        }
        console.get("tail") { request, _ in
            guard let session = self.session(request) else {
                return self.refuse(401, "sign in first", request)
            }
            do {
                return try await self.tail(request)
            } catch let error as BridgeStoreError {
                return self.refuse(400, error.message, request, session: session)
            }
        }
    }

    // MARK: Sessions and answers

    /// The session of the request's cookie, if valid.
    func session(_ request: Request) -> ConsoleAccess.Session? {
        guard let value = request.cookies[ConsoleAccess.cookieName]?.value else { return nil }
        return access.session(cookie: value, now: queries.clock.now())
    }

    /// A page for a signed-in session (else the login page): `build` gives the template and its values.
    func page(
        _ request: Request,
        _ build: (ConsoleAccess.Session) async throws -> (template: String, values: [String: Any])
    ) async throws -> Response {
        guard let session = session(request) else { return Self.redirect("/console/login") }
        do {
            var (template, values) = try await build(session)
            values["session"] = true
            values["role"] = session.role == .admin ? "admin" : "read-only"
            values["csrf"] = access.csrf(for: session)
            values["admin"] = session.role == .admin
            if let notice = (try? Self.query(request))?["notice"] { values["notice"] = Self.notices[notice] }
            let status = (values["httpStatus"] as? Int).map { HTTPResponse.Status(code: $0) } ?? .ok
            return render(template, values, request: request, status: status)
        } catch let error as BridgeStoreError {
            return refuse(400, error.message, request, session: session)
        }
    }

    /// A state-changing request: a session, its CSRF token, and the admin role, else refused (403 for a
    /// read-only session or a missing token, 401 without a session).
    func act(
        _ request: Request,
        _ perform: (ConsoleAccess.Session, [String: String]) async throws -> Response
    ) async throws -> Response {
        guard let session = session(request) else { return refuse(401, "sign in first", request) }
        let form: [String: String]
        do {
            form = try await Self.form(request)
        } catch let error as BridgeStoreError {
            return refuse(400, error.message, request, session: session)
        }
        guard access.checks(csrf: form["csrf"] ?? request.headers[.init("X-CSRF-Token")!], for: session) else {
            logger.notice("console: a \(request.method) to \(request.uri.path) without a valid CSRF token was refused")
            return refuse(403, "the form's CSRF token is missing or wrong: reload the page and try again", request)
        }
        guard session.role == .admin else {
            return refuse(403, "a read-only console session cannot change anything", request, session: session)
        }
        do {
            return try await perform(session, form)
        } catch let error as BridgeStoreError {
            return refuse(400, error.message, request, session: session)
        }
    }

    static let notices = [
        "replayed": "The event was queued again.",
        "not-replayable": "The event was not replayed: it is pending (already on its way).",
        "reloaded": "The pipelines were loaded again (see Last reload).",
        "reload-failed": "The reload failed: the running pipelines stay as they were (see Last reload).",
    ]

    func render(_ template: String, _ values: [String: Any], request: Request, status: HTTPResponse.Status = .ok)
        -> Response
    {
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(
            status: status, headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: ConsoleTemplates.render(template, values))))
    }

    /// A refusal as a page (with the reason), or as JSON for a script.
    func refuse(_ status: Int, _ message: String, _ request: Request, session: ConsoleAccess.Session? = nil)
        -> Response
    {
        var values: [String: Any] = [
            "title": "Refused", "heading": "\(status): refused", "message": message, "back": "/console",
        ]
        if let session {
            values["session"] = true
            values["role"] = session.role.rawValue
            values["csrf"] = access.csrf(for: session)
        }
        return render("problem", values, request: request, status: .init(code: status))
    }

    /// The headers every console answer carries: nothing from elsewhere runs, the page is never framed or cached.
    static let securityHeaders: HTTPFields = {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("Referrer-Policy")!] = "same-origin"
        headers[.cacheControl] = "no-store"
        return headers
    }()

    static func redirect(_ location: String) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The session cookie: HttpOnly, SameSite=Strict, sent to `/console` only, Secure when the request came
    /// over HTTPS (directly or, as `X-Forwarded-Proto` says, through a proxy).
    func cookie(_ value: String, request: Request, maxAge: Int) -> Cookie {
        let https =
            request.uri.scheme == .https || request.headers[.init("X-Forwarded-Proto")!]?.lowercased() == "https"
        return Cookie(
            name: ConsoleAccess.cookieName, value: value, maxAge: maxAge, path: "/console", secure: https,
            httpOnly: true, sameSite: .strict)
    }

    /// The request's query parameters, decoded as a form (`+` is a space); one given twice is refused rather
    /// than read as no filter at all.
    static func query(_ request: Request) throws(BridgeStoreError) -> [String: String] {
        try decodeForm(request.uri.query ?? "", what: "the query")
    }

    /// A POSTed form (`application/x-www-form-urlencoded`, at most 64 KiB).
    static func form(_ request: Request) async throws -> [String: String] {
        var request = request
        let body = try await request.collectBody(upTo: 64 << 10)
        return try decodeForm(String(buffer: body), what: "the form")
    }

    static func decodeForm(_ text: String, what: String) throws(BridgeStoreError) -> [String: String] {
        do {
            return try URLEncodedFormDecoder().decode([String: String].self, from: text)
        } catch {
            throw BridgeStoreError("\(what) cannot be read (is a parameter given twice, or as a list?): \(error)")
        }
    }

    // MARK: Login

    func login(_ request: Request, context: BridgeRequestContext) async throws -> Response {
        // The whole body first: the attempt is counted before its token is checked.
        let token = (try? await Self.form(request))?["token"] ?? ""
        let now = queries.clock.now()
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        let (wait, first) = throttle.begin(address, now: now)
        if let wait {
            var response = render(
                "login",
                ["title": "Sign in", "error": "Too many failed sign-ins: try again in \(Int(wait.rounded(.up))) s."],
                request: request, status: .tooManyRequests)
            response.headers[.retryAfter] = "\(Int(wait.rounded(.up)))"
            return response
        }
        guard let role = access.role(forToken: token) else {
            let source = context.source(of: request) ?? "unknown"
            if first {
                // One entry per address and minute: guesses cannot flood the audit log.
                await queries.audit(actor: "unknown", action: "login refused", detail: "from \(source)", count: 0)
            } else {
                logger.notice("console: login refused from \(source)")
            }
            return render(
                "login",
                ["title": "Sign in", "error": "That token is neither the admin token nor the read-only token."],
                request: request, status: .unauthorized)
        }
        throttle.succeeded(address, at: now)
        let (value, _) = access.cookie(for: role, now: now)
        await queries.audit(
            actor: role.actor, action: "login", detail: "from \(context.source(of: request) ?? "unknown")", count: 0)
        var response = Self.redirect("/console")
        response.setCookie(cookie(value, request: request, maxAge: Int(ConsoleAccess.lifetime)))
        return response
    }
}
