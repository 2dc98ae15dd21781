import AsyncHTTPClient
import BridgeCore

extension CrispClient {
    /// What an upsert did.
    public enum UpsertResult: Sendable, Equatable {
        case created(peopleID: String)
        case updated(peopleID: String)
        /// The profile already had every given field: nothing was written.
        case unchanged(peopleID: String)

        public var peopleID: String {
            switch self {
            case .created(let id), .updated(let id), .unchanged(let id): id
            }
        }
    }

    /// The profile (Crisp's shape) by email or people_id, or nil when there is none.
    public func profile(_ id: String) async throws(CrispError) -> JSONValue? {
        do {
            return try await call(.GET, path("profile", id)).data
        } catch  where error.status == 404 && error.reason == "people_not_found" {
            return nil
        }
    }

    /// Whether a profile exists (HEAD).
    public func profileExists(_ id: String) async throws(CrispError) -> Bool {
        do {
            _ = try await call(.HEAD, path("profile", id))
            return true
        } catch  where error.status == 404 {
            return false
        }
    }

    /// Adds a profile (POST); returns its people_id. A profile with that email already existing throws
    /// `people_exists` (409).
    public func createProfile(_ card: JSONValue) async throws(CrispError) -> String {
        let answer = try await call(.POST, path("profile"), body: card)
        guard let id = answer.data?["people_id"].stringValue else {
            throw CrispError(
                kind: .invalidResponse, status: answer.status, reason: "invalid_response",
                message: "no people_id in the answer")
        }
        return id
    }

    /// Updates the given fields of a profile (PATCH).
    public func updateProfile(_ id: String, _ card: JSONValue) async throws(CrispError) {
        _ = try await call(.PATCH, path("profile", id), body: card)
    }

    /// Replaces a profile (PUT).
    public func saveProfile(_ id: String, _ card: JSONValue) async throws(CrispError) {
        _ = try await call(.PUT, path("profile", id), body: card)
    }

    /// Removes a profile.
    public func removeProfile(_ id: String) async throws(CrispError) {
        _ = try await call(.DELETE, path("profile", id))
    }

    /// Creates the profile for `upsert.email`, or updates it: the given person and company fields overwrite
    /// (the others stay), segments are added to the existing ones, the notepad is replaced.
    ///
    /// Never two profiles for one email: a create that loses a race (`people_exists`) becomes an update.
    /// With `createFirst` (a profile not known to exist), the profile is added without looking first: one
    /// request for a new contact, and a look only when Crisp answers that it exists.
    public func upsertProfile(_ upsert: ProfileUpsert, createFirst: Bool = false) async throws(CrispError)
        -> UpsertResult
    {
        if !createFirst, let existing = try await profile(upsert.email) {
            return try await update(existing, with: upsert)
        }
        do {
            return .created(peopleID: try await createProfile(Self.newCard(upsert)))
        } catch  where error.reason == "people_exists" {
            guard let existing = try await profile(upsert.email) else { throw error }
            return try await update(existing, with: upsert)
        }
    }

    /// The card of a new profile: Crisp requires a nickname, so the email's local part stands in when none is given.
    static func newCard(_ upsert: ProfileUpsert) -> JSONValue {
        var person = upsert.person ?? [:]
        if (person["nickname"]?.stringValue ?? "").isEmpty {
            person["nickname"] = .string(String(upsert.email.prefix { $0 != "@" }))
        }
        var card: [String: JSONValue] = ["email": .string(upsert.email), "person": .object(person)]
        if let company = upsert.company { card["company"] = .object(company) }
        if !upsert.segments.isEmpty { card["segments"] = .array(upsert.segments.map { .string($0) }) }
        if let notepad = upsert.notepad { card["notepad"] = .string(notepad) }
        if let active = upsert.active { card["active"] = .number(active) }
        return .object(card)
    }

    private func update(_ existing: JSONValue, with upsert: ProfileUpsert) async throws(CrispError) -> UpsertResult {
        let id = existing["people_id"].stringValue ?? upsert.email
        var patch: [String: JSONValue] = [:]
        if let person = upsert.person {
            let merged = (existing["person"].objectValue ?? [:]).merging(person) { _, new in new }
            if merged != existing["person"].objectValue { patch["person"] = .object(merged) }
        }
        if let company = upsert.company {
            let merged = (existing["company"].objectValue ?? [:]).merging(company) { _, new in new }
            if merged != existing["company"].objectValue { patch["company"] = .object(merged) }
        }
        let current = (existing["segments"].arrayValue ?? []).compactMap(\.stringValue)
        let added = upsert.segments.filter { !current.contains($0) }
        if !added.isEmpty { patch["segments"] = .array((current + added).map { .string($0) }) }
        if let notepad = upsert.notepad, existing["notepad"].stringValue != notepad {
            patch["notepad"] = .string(notepad)
        }
        if let active = upsert.active { patch["active"] = .number(active) }
        guard !patch.isEmpty else { return .unchanged(peopleID: id) }
        try await updateProfile(id, .object(patch))
        return .updated(peopleID: id)
    }

    /// Adds and removes segments, keeping the others. A missing profile is created with the added segments
    /// (true then).
    @discardableResult
    public func changeSegments(_ change: SegmentsUpdate) async throws(CrispError) -> Bool {
        guard let existing = try await profile(change.email) else {
            guard !change.add.isEmpty else { return false }
            let result = try await upsertProfile(ProfileUpsert(email: change.email, segments: change.add))
            if case .created = result { return true }
            return false
        }
        let current = (existing["segments"].arrayValue ?? []).compactMap(\.stringValue)
        let updated = (current + change.add.filter { !current.contains($0) }).filter { !change.remove.contains($0) }
        guard updated != current else { return false }
        try await updateProfile(
            existing["people_id"].stringValue ?? change.email, ["segments": .array(updated.map { .string($0) })])
        return false
    }

    /// Profiles, oldest first, 20 (up to 50) a page from page 1; `searchText` matches email and name.
    public func listProfiles(page: Int = 1, perPage: Int? = nil, searchText: String? = nil) async throws(CrispError)
        -> [JSONValue]
    {
        var query: [String] = []
        if let perPage { query.append("per_page=\(perPage)") }
        if let searchText { query.append("search_text=\(Self.encodePathSegment(searchText))") }
        let suffix = query.isEmpty ? "" : "?" + query.joined(separator: "&")
        return try await call(.GET, path("profiles", String(page)) + suffix).data?.arrayValue ?? []
    }

    /// How many profiles the website has.
    public func profileCount() async throws(CrispError) -> Int {
        Int(try await call(.GET, path("stats")).data?["total"].numberValue ?? 0)
    }
}
