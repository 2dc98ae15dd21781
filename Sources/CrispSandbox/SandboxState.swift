import BridgeCore
import Foundation
import Synchronization

/// The sandbox's people, and Crisp's semantics over them. Thread-safe: every request runs under one lock,
/// so concurrent requests see one order of events (two POSTs for one email: one `people_exists`).
public final class SandboxState: Sendable {
    /// The outcome of a request that succeeded: status, Crisp's success `reason`, and `data`.
    struct Answer {
        var status = 200
        var reason: String
        var data: JSONValue?
    }

    /// One request as the inspection route lists it.
    public struct LoggedRequest: Sendable {
        public let method: String
        public let path: String
        public let status: Int
        public let reason: String
        public let at: Date
        /// The `X-Crisp-Tier` and `User-Agent` the request carried (never its credentials).
        public let tier: String?
        public let userAgent: String?

        var json: JSONValue {
            [
                "method": .string(method), "path": .string(path), "status": .number(Double(status)),
                "reason": .string(reason), "at": .number((at.timeIntervalSince1970 * 1000).rounded()),
                "tier": tier.map(JSONValue.string) ?? .null, "user_agent": userAgent.map(JSONValue.string) ?? .null,
            ]
        }
    }

    struct Storage {
        var profiles: [String: SandboxProfile] = [:]
        var idByEmail: [String: String] = [:]
        var conversations: [String: SandboxConversation] = [:]
        var log: [LoggedRequest] = []
    }

    let storage = Mutex(Storage())
    /// Where the profiles are kept between runs (`sandbox --state FILE`, `serve --sandbox`); nil keeps them in
    /// memory only.
    public let file: String?
    /// Whether profiles changed since they were last written to `file`.
    let changed = Atomic<Bool>(false)
    /// Requests of the Crisp API being answered now (received, not yet answered): a test waits for none before it
    /// checks that nothing more was sent.
    let inFlight = Atomic<Int>(0)
    /// What every API request is answered while an operator asks it (`POST /_sandbox/refuse`): a status and
    /// Crisp's reason, nil when the sandbox answers normally.
    let refusal = Mutex<SandboxError?>(nil)
    /// The people and conversations of the token's other websites (`SandboxConfiguration.otherWebsites`), by id.
    private let others = Mutex<[String: SandboxState]>([:])

    /// The state of another website of the token (created empty, in memory, the first time it is asked for).
    public func website(_ id: String) -> SandboxState {
        others.withLock { others in
            if let state = others[id] { return state }
            let state = SandboxState()
            others[id] = state
            return state
        }
    }

    /// An empty sandbox in memory.
    public init() {
        file = nil
    }

    /// An empty sandbox kept in `file` (see `init(file:reset:)`, which reads it).
    init(storedIn file: String) {
        self.file = file
    }

    /// Forgets every profile and logged request.
    public func reset() {
        storage.withLock { $0 = Storage() }
        for other in others.withLock({ Array($0.values) }) { other.reset() }
        changed.store(true, ordering: .relaxed)
    }

    /// The requests received so far, oldest first.
    public var requests: [LoggedRequest] { storage.withLock { $0.log } }

    /// Every profile's email with its number of events, their texts in the order they were posted, and its data,
    /// for tests: `GET /_sandbox/people`.
    public var people: JSONValue {
        storage.withLock { s in
            .array(
                s.profiles.values.sorted { $0.createdAt < $1.createdAt }.map {
                    [
                        "email": .string($0.email), "events": .number(Double($0.events.count)),
                        "event_texts": .array($0.events.map { $0["text"] }), "data": .object($0.data),
                    ]
                })
        }
    }

    /// How many profiles exist (for tests and stats).
    public var profileCount: Int { storage.withLock { $0.profiles.count } }

    func record(_ request: LoggedRequest) {
        storage.withLock { s in
            s.log.append(request)
            if s.log.count > 100_000 { s.log.removeFirst(s.log.count - 100_000) }
        }
    }

    func clearLog() {
        storage.withLock { $0.log.removeAll() }
    }

    /// The routes under `/v1/website/{website_id}/people/`, with the methods each takes (`*` is a parameter).
    static let routes: [(pattern: [String], methods: Set<String>)] = [
        (["stats"], ["GET"]),
        (["suggest", "segments", "*"], ["GET"]),
        (["segments", "*"], ["GET"]),
        (["suggest", "data", "*"], ["GET"]),
        (["suggest", "events", "*"], ["GET"]),
        (["profiles", "*"], ["GET"]),
        (["profile"], ["POST"]),
        (["profile", "*"], ["HEAD", "GET", "PUT", "PATCH", "DELETE"]),
        (["conversations", "*", "list", "*"], ["GET"]),
        (["events", "*"], ["POST"]),
        (["events", "*", "list", "*"], ["GET"]),
        (["data", "*"], ["GET", "PUT", "PATCH"]),
        (["subscription", "*"], ["GET", "PATCH"]),
    ]

    /// Answers a people route: `route` is the path after `people/`, already split and percent-decoded.
    func handle(
        method: String, route: [String], query: [String: String], body: JSONValue?, now: Date = Date()
    ) throws(SandboxError) -> Answer {
        guard let match = Self.routes.first(where: { Self.matches($0.pattern, route) }) else { throw .routeNotFound }
        guard match.methods.contains(method) else {
            throw SandboxError(405, "method_not_allowed", "\(method) is not allowed on this route")
        }
        let ms = (now.timeIntervalSince1970 * 1000).rounded()
        defer { if method != "GET" { changed.store(true, ordering: .relaxed) } }
        return try storage.withLock { s throws(SandboxError) -> Answer in
            switch (route[0], method) {
            case ("stats", _):
                return Answer(reason: "resolved", data: ["total": .number(Double(s.profiles.count))])
            case ("suggest", _), ("segments", _):
                return Answer(reason: "resolved", data: Self.suggestions(route, s.profiles.values))
            case ("profiles", _):
                return Answer(reason: "resolved", data: try Self.list(s.profiles.values, page: route[1], query: query))
            case ("profile", "POST"):
                let card = try Self.object(body, "the profile")
                if let problem = CrispRules.profileCardProblem(card, requireEmail: true) { throw .invalidData(problem) }
                guard case .string(let nickname) = card["person"]["nickname"], !nickname.isEmpty else {
                    throw .invalidData("person.nickname is required")
                }
                let email = card["email"].stringValue!
                if s.idByEmail[email.lowercased()] != nil {
                    throw SandboxError(409, "people_exists", "a people profile with this email already exists")
                }
                var profile = SandboxProfile(
                    peopleID: UUID().uuidString.lowercased(), email: email, createdAt: ms, updatedAt: ms)
                profile.apply(card.objectValue!, replacingAll: true, at: ms)
                s.profiles[profile.peopleID] = profile
                s.idByEmail[email.lowercased()] = profile.peopleID
                return Answer(status: 201, reason: "added", data: ["people_id": .string(profile.peopleID)])
            case ("profile", let verb):
                let id = try Self.find(route[1], in: s)
                switch verb {
                case "HEAD", "GET":
                    return Answer(reason: "resolved", data: s.profiles[id]!.json)
                case "DELETE":
                    let removed = s.profiles.removeValue(forKey: id)!
                    s.idByEmail[removed.email.lowercased()] = nil
                    return Answer(reason: "deleted", data: nil)
                default:
                    let card = try Self.object(body, "the profile")
                    if let problem = CrispRules.profileCardProblem(card, requireEmail: false) {
                        throw .invalidData(problem)
                    }
                    var profile = s.profiles[id]!
                    let oldEmail = profile.email.lowercased()
                    if let newEmail = card["email"].stringValue?.lowercased(), newEmail != oldEmail,
                        s.idByEmail[newEmail] != nil
                    {
                        throw SandboxError(409, "people_exists", "another people profile has this email")
                    }
                    profile.apply(card.objectValue!, replacingAll: verb == "PUT", at: ms)
                    s.idByEmail[oldEmail] = nil
                    s.idByEmail[profile.email.lowercased()] = id
                    s.profiles[id] = profile
                    return Answer(reason: "updated", data: nil)
                }
            case ("conversations", _):
                _ = try Self.find(route[1], in: s)
                return Answer(reason: "resolved", data: [])
            case ("events", "POST"):
                let id = try Self.find(route[1], in: s)
                let event = try Self.object(body, "the event")
                if let problem = CrispRules.eventProblem(event) { throw .invalidData(problem) }
                var stored = event.objectValue!
                stored["timestamp"] = .number(ms)
                s.profiles[id]!.events.append(.object(stored))
                return Answer(reason: "added", data: nil)
            case ("events", _):
                let id = try Self.find(route[1], in: s)
                let newestFirst = Array(s.profiles[id]!.events.reversed())
                return Answer(reason: "resolved", data: .array(try Self.page(newestFirst, route[3], perPage: 20)))
            case ("data", "GET"):
                let id = try Self.find(route[1], in: s)
                return Answer(reason: "resolved", data: ["data": .object(s.profiles[id]!.data)])
            case ("data", let verb):
                let id = try Self.find(route[1], in: s)
                let wrapper = try Self.object(body, "the body")
                guard let data = wrapper["data"].objectValue, wrapper.objectValue?.count == 1 else {
                    throw .invalidData("the body must be {\"data\": {…}}")
                }
                if let problem = CrispRules.dataProblem(.object(data)) { throw .invalidData(problem) }
                if verb == "PUT" {
                    s.profiles[id]!.data = data
                } else {
                    s.profiles[id]!.data.merge(data) { _, new in new }
                }
                s.profiles[id]!.updatedAt = ms
                return Answer(reason: "updated", data: nil)
            case ("subscription", "GET"):
                let id = try Self.find(route[1], in: s)
                return Answer(reason: "resolved", data: ["email": .bool(s.profiles[id]!.emailSubscribed)])
            case ("subscription", _):
                let id = try Self.find(route[1], in: s)
                guard case .bool(let subscribed) = try Self.object(body, "the body")["email"] else {
                    throw .invalidData("the body must be {\"email\": true|false}")
                }
                s.profiles[id]!.emailSubscribed = subscribed
                return Answer(reason: "updated", data: nil)
            default:
                throw .routeNotFound
            }
        }
    }

    private static func matches(_ pattern: [String], _ route: [String]) -> Bool {
        pattern.count == route.count && zip(pattern, route).allSatisfy { $0 == "*" ? !$1.isEmpty : $0 == $1 }
    }

    private static func object(_ body: JSONValue?, _ what: String) throws(SandboxError) -> JSONValue {
        guard let body, case .object = body else { throw .invalidData("\(what) must be a JSON object") }
        return body
    }

    /// A profile by people_id or email (emails are matched without regard to case).
    private static func find(_ id: String, in s: Storage) throws(SandboxError) -> String {
        if id.contains("@") {
            guard let found = s.idByEmail[id.lowercased()] else { throw .peopleNotFound }
            return found
        }
        guard s.profiles[id] != nil else { throw .peopleNotFound }
        return id
    }

    private static func page<T>(_ items: [T], _ pageText: String, perPage: Int) throws(SandboxError) -> [T] {
        guard let page = Int(pageText), page >= 1 else { throw .invalidData("the page number must be 1 or more") }
        let start = (page - 1) * perPage
        guard start < items.count else { return [] }
        return Array(items[start..<min(items.count, start + perPage)])
    }

    private static func list(
        _ profiles: some Collection<SandboxProfile>, page: String, query: [String: String]
    ) throws(SandboxError) -> JSONValue {
        var perPage = 20
        if let text = query["per_page"] {
            guard let n = Int(text), (1...50).contains(n) else { throw .invalidData("per_page must be 1 to 50") }
            perPage = n
        }
        var matching = profiles.sorted { ($0.createdAt, $0.peopleID) < ($1.createdAt, $1.peopleID) }
        if let search = query["search_text"]?.lowercased(), !search.isEmpty {
            matching = matching.filter {
                $0.email.lowercased().contains(search)
                    || ($0.person["nickname"]?.stringValue?.lowercased().contains(search) ?? false)
            }
        }
        return .array(try Self.page(matching, page, perPage: perPage).map(\.json))
    }

    private static func suggestions(_ route: [String], _ profiles: some Collection<SandboxProfile>) -> JSONValue {
        var counts: [String: Int] = [:]
        let kind = route.count == 3 ? route[1] : "segments"
        for p in profiles {
            switch kind {
            case "segments": for s in p.segments { counts[s, default: 0] += 1 }
            case "data": for k in p.data.keys { counts[k, default: 0] += 1 }
            default: for e in p.events { if let t = e["text"].stringValue { counts[t, default: 0] += 1 } }
            }
        }
        let name = kind == "segments" ? "segment" : (kind == "data" ? "key" : "text")
        return .array(counts.keys.sorted().map { [name: .string($0), "count": .number(Double(counts[$0]!))] })
    }
}
