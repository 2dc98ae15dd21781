import AsyncHTTPClient
import BridgeCore
import Foundation

extension CrispClient {
    /// The profile's custom data.
    public func data(_ id: String) async throws(CrispError) -> [String: JSONValue] {
        try await call(.GET, path("data", id)).data?["data"].objectValue ?? [:]
    }

    /// Merges keys into the stored data (PATCH).
    public func mergeData(_ id: String, _ data: [String: JSONValue]) async throws(CrispError) {
        _ = try await call(.PATCH, path("data", id), body: ["data": .object(data)])
    }

    /// Replaces the stored data (PUT); `[:]` clears it.
    public func replaceData(_ id: String, _ data: [String: JSONValue]) async throws(CrispError) {
        _ = try await call(.PUT, path("data", id), body: ["data": .object(data)])
    }

    /// Writes a planned data update: merge (PATCH) or replace (PUT); keys to unset are removed by reading the
    /// data and writing it back without them (Crisp has no single-key delete).
    public func writeData(_ update: DataUpdate) async throws(CrispError) {
        switch (update.mode, update.unset.isEmpty) {
        case (.replace, _):
            try await replaceData(update.email, update.data)
        case (.merge, true):
            try await mergeData(update.email, update.data)
        case (.merge, false):
            var stored = try await data(update.email)
            stored.merge(update.data) { _, new in new }
            for key in update.unset { stored[key] = nil }
            try await replaceData(update.email, stored)
        }
    }

    /// Adds an event to the profile's timeline, once: Crisp has no idempotency key, so when an answer is lost (a
    /// timeout, a dropped connection, a 5xx) the profile's events since `since` (default: now) are looked at
    /// before the event is posted again.
    public func addEvent(_ event: ProfileEvent, since: Date? = nil) async throws(CrispError) {
        var body: [String: JSONValue] = ["text": .string(event.text)]
        if !event.data.isEmpty { body["data"] = .object(event.data) }
        if let color = event.color { body["color"] = .string(color) }
        let since = since ?? Date()
        _ = try await call(.POST, path("events", event.email), body: .object(body)) { () async throws(CrispError) in
            try await self.hasEvent(event, since: since.addingTimeInterval(-1))
        }
    }

    /// Whether the profile has this event (same text, data and colour) posted at or after `since`: how a retry
    /// after a crash tells whether an event it may have posted went through (Crisp has no idempotency key).
    public func hasEvent(_ event: ProfileEvent, since: Date) async throws(CrispError) -> Bool {
        let sinceMS = (since.timeIntervalSince1970 * 1000).rounded(.down)
        for page in 1...5 {
            let events: [JSONValue]
            do {
                events = try await self.events(event.email, page: page)
            } catch  where error.reason == "people_not_found" {
                return false
            }
            for posted in events {
                let timestamp = posted["timestamp"].numberValue ?? .infinity
                if timestamp < sinceMS { return false }  // newest first: nothing older can match
                if posted["text"] == .string(event.text), (posted["data"].objectValue ?? [:]) == event.data,
                    posted["color"].stringValue == event.color
                {
                    return true
                }
            }
            if events.count < 20 { return false }
        }
        return false
    }

    /// The profile's events, newest first, 20 a page from page 1.
    public func events(_ id: String, page: Int = 1) async throws(CrispError) -> [JSONValue] {
        try await call(.GET, path("events", id, "list", String(page))).data?.arrayValue ?? []
    }

    /// Whether the profile is subscribed to emails.
    public func isSubscribed(_ id: String) async throws(CrispError) -> Bool {
        try await call(.GET, path("subscription", id)).data?["email"] == .bool(true)
    }

    /// Subscribes the profile to emails, or unsubscribes it.
    public func setSubscribed(_ id: String, _ subscribed: Bool) async throws(CrispError) {
        _ = try await call(.PATCH, path("subscription", id), body: ["email": .bool(subscribed)])
    }
}
