import Foundation
import Yams

extension PipelineFileLoader {
    /// `trigger.poll: { every, start, rate, auth, request, items, id, cursor, next }`.
    mutating func loadPollTrigger(_ node: Node, entries: [YAMLReader.Entry]) -> Trigger? {
        let location = reader.location(node)
        guard
            let poll = reader.mapping(
                node, "trigger.poll", allowed: PipelineLoader.pollKeys, required: ["every", "request", "items", "id"])
        else { return nil }
        let field = { (key: String) in poll.first { $0.key == key } }
        let entry = { (key: String) in entries.first { $0.key == key } }
        if let each = entry("each") {
            reader.diagnostics.error(
                "a poll pipeline has no `each`: every item that `poll.items` gives is already one event",
                at: reader.location(each.keyNode))
        }
        if let id = entry("id") {
            reader.diagnostics.error(
                "a poll pipeline gives its dedupe id under `poll:` (`poll.id`), not `trigger.id`",
                at: reader.location(id.keyNode))
        }

        var every = 60.0
        if let e = field("every"), let text = reader.string(e.value, "trigger.poll.every") {
            if let seconds = Self.seconds(text), seconds >= PollTrigger.minimumInterval, seconds <= 7 * 86_400 {
                every = seconds
            } else {
                reader.diagnostics.error(
                    "trigger.poll.every is a duration from \(Int(PollTrigger.minimumInterval)) seconds to 7 days, e.g. 30s, 1m, 2h (found '\(text)')",
                    at: reader.location(e.value))
            }
        }
        var start = PollTrigger.Start.now
        if let s = field("start"), let text = reader.string(s.value, "trigger.poll.start") {
            if let value = PollTrigger.Start(rawValue: text) {
                start = value
            } else {
                reader.diagnostics.error(
                    "trigger.poll.start is `now` (the first poll only records where things stand) or `beginning` (it delivers everything it finds)",
                    at: reader.location(s.value))
            }
        }
        var pace = 0.0
        if let r = field("rate"), let text = reader.string(r.value, "trigger.poll.rate") {
            if let perSecond = Self.rate(text) {
                pace = 1 / perSecond
            } else {
                reader.diagnostics.error(
                    "trigger.poll.rate is how many requests the API allows, e.g. 3/s or 100/m (found '\(text)')",
                    at: reader.location(r.value))
            }
        }

        // The request sees `env`, `cursor` and `polled_at`; `items`, `cursor` and `next` see the answer too.
        var pollNames = NameTable()
        for name in Slot.names + PollSlot.names { pollNames.declare(name) }
        let all = pollNames.visible
        pollNames.withVisible(all.filter { ["env", "cursor", "polled_at", "start"].contains($0.key) })
        var request: FetchStep?
        if let r = field("request"),
            let fields = reader.mapping(
                r.value, "trigger.poll.request", allowed: PipelineLoader.fetchKeys, required: ["url"])
        {
            request = loadCall(
                fields, label: "trigger.poll.request", name: "poll", at: reader.location(r.keyNode), names: &pollNames)
        }
        pollNames.withVisible(all.filter { !["body", "event", "headers", "query", "path"].contains($0.key) })
        let items = field("items").flatMap { reader.expression($0.value, "trigger.poll.items", names: &pollNames) }
        let cursor = field("cursor").flatMap { reader.expression($0.value, "trigger.poll.cursor", names: &pollNames) }
        let next = field("next").flatMap { reader.expression($0.value, "trigger.poll.next", names: &pollNames) }
        let signIn = field("auth").flatMap { loadAuth($0.value, label: "trigger.poll.auth", names: &pollNames) }
        if field("auth") != nil, signIn == nil, !reader.diagnostics.diagnostics.hasErrors {
            reader.diagnostics.error("trigger.poll.auth could not be read", at: location)
        }
        request?.oauth2 = signIn?.oauth2
        let auth = signIn?.account
        // `id` and `when` see the event (the item).
        let id = field("id").flatMap { reader.expression($0.value, "trigger.poll.id", names: &names) }
        let when = entry("when").flatMap { reader.expression($0.value, "when", names: &names) }
        guard let request, let items, let id else { return nil }
        let trigger = PollTrigger(
            every: every, start: start, pace: pace, serviceAccount: auth, request: request, items: items,
            cursor: cursor,
            next: next, slotCount: pollNames.slotCount, location: location)
        return Trigger(
            path: "", pathPattern: PathPattern(segments: [], text: ""), method: "POST", bodyOptional: false,
            location: location, sender: NoneVerifier(), senderSettings: [], csv: nil, poll: trigger, each: nil,
            id: id, when: when)
    }

    /// A call's `auth:`: one way of signing in, `{ google_service_account: {…} }` or `{ oauth2: {…} }`.
    mutating func loadAuth(
        _ node: Node, label: String, kinds: [FormatKey] = PipelineFormat.pollAuth, names: inout NameTable
    ) -> (account: GoogleServiceAccountAuth?, oauth2: OAuth2Refresh?)? {
        guard let entries = reader.mapping(node, label, allowed: kinds.names) else { return nil }
        guard entries.count == 1, let kind = entries.first else {
            reader.diagnostics.error(
                "\(label) takes one way of signing in: \(kinds.names.joined(separator: " or "))",
                at: reader.location(node))
            return nil
        }
        if kind.key == "oauth2" {
            return loadOAuth2(kind.value, label: "\(label).oauth2", names: &names).map { (nil, $0) }
        }
        return loadServiceAccount(node, label: label, names: &names).map { ($0, nil) }
    }

    /// `oauth2: { token_url, client_id, client_secret, refresh_token?, scope?, scheme? }`: a refresh grant, or
    /// the client-credentials grant when there is no refresh token.
    mutating func loadOAuth2(_ node: Node, label: String, names: inout NameTable) -> OAuth2Refresh? {
        guard
            let fields = reader.mapping(
                node, label, allowed: PipelineFormat.oauth2.names,
                required: ["token_url", "client_id", "client_secret"])
        else { return nil }
        var templates: [String: ValueTemplate] = [:]
        var scheme = "Bearer"
        for field in fields {
            guard field.key == "scheme" else {
                templates[field.key] = reader.template(field.value, names: &names)
                continue
            }
            guard let text = reader.string(field.value, "\(label).scheme") else { continue }
            if text.isEmpty || text.contains(where: { $0 == " " || $0 == ":" || $0.isNewline }) {
                reader.diagnostics.error(
                    "\(label).scheme is one word, e.g. Bearer or Zoho-oauthtoken", at: reader.location(field.value))
            }
            scheme = text
        }
        guard let tokenURL = templates["token_url"], let clientID = templates["client_id"],
            let clientSecret = templates["client_secret"]
        else { return nil }
        return OAuth2Refresh(
            tokenURL: tokenURL, clientID: clientID, clientSecret: clientSecret,
            refreshToken: templates["refresh_token"],
            scope: templates["scope"], scheme: scheme)
    }

    /// `auth: { google_service_account: { key_file: …, scopes: [...] } }` (a poll's or an `http` action's).
    mutating func loadServiceAccount(
        _ node: Node, label: String, names: inout NameTable
    ) -> GoogleServiceAccountAuth? {
        guard let kinds = reader.mapping(node, label, allowed: PipelineFormat.pollAuth.names),
            let kind = kinds.first
        else { return nil }
        guard
            let fields = reader.mapping(
                kind.value, "\(label).google_service_account", allowed: PipelineFormat.serviceAccount.names,
                required: ["key_file", "scopes"])
        else { return nil }
        var keyFile: ValueTemplate?
        var scopes: [String] = []
        for f in fields {
            switch f.key {
            case "key_file":
                keyFile = reader.template(f.value, names: &names)
            default:
                if case .scalar = f.value, let one = reader.string(f.value, "scopes") {
                    scopes = [one]
                } else {
                    scopes = (reader.sequence(f.value, "\(label).google_service_account.scopes") ?? [])
                        .compactMap { reader.string($0, "a scope") }
                }
                if scopes.isEmpty {
                    reader.diagnostics.error(
                        "scopes lists at least one OAuth scope, e.g. https://www.googleapis.com/auth/spreadsheets.readonly",
                        at: reader.location(f.value))
                }
            }
        }
        return keyFile.map { GoogleServiceAccountAuth(keyFile: $0, scopes: scopes) }
    }

    /// `30s`, `5m`, `2h`, `1d` or a number of seconds.
    static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let n = Double(trimmed), n.isFinite { return n }
        guard let unit = trimmed.last, let factor = units[unit], let n = Double(trimmed.dropLast()), n.isFinite, n > 0
        else { return nil }
        return n * factor
    }

    /// `3/s`, `100/m`, `1000/h`: requests per second.
    static func rate(_ text: String) -> Double? {
        let parts = text.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let count = Double(parts[0]), count > 0, count.isFinite,
            let per = seconds(parts[1].first?.isNumber == true ? parts[1] : "1" + parts[1]), per > 0
        else { return nil }
        return count / per
    }
}
