import BridgeCore
import BridgeStore
import Foundation
import Hummingbird
import NIOCore

extension ConsoleRoutes {
    /// How many numbers below the last event sent each read looks again.
    static let tailOverlap: Int64 = 100

    /// How long one live tail stays open (the page's script opens a new one).
    static let tailLifetime: Duration = .seconds(30 * 60)

    /// The live tail: Server-Sent Events, one `event` message (the event as `events show` gives it) for each new
    /// event the filter selects and each change of status or attempts of one still pending. It reads the store
    /// once a second (two indexed queries), whatever the traffic: at most the 100 newest events a second are sent
    /// (more than a page can show), and the 100 newest pending ones followed.
    func tail(_ request: Request) async throws -> Response {
        let given = try Self.query(request)
        let filter = {
            var filter = $0
            filter.field = nil
            filter.limit = 100
            return filter
        }(try await queries.filter(given, maxLimit: 200))
        let after = given["after"].flatMap(Int64.init) ?? 0
        let watched = (given["watch"] ?? "").split(separator: ",").compactMap { Int64($0) }.prefix(200)
        let store = queries.store
        var headers = Self.securityHeaders
        headers[.contentType] = "text/event-stream"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                var last = after
                // The events sent that are within the overlap (below).
                var shown: Set<Int64> = []
                var pending: [Int64: (EventStatus, Int)] = Dictionary(
                    uniqueKeysWithValues: watched.map { ($0, (.pending, -1)) })
                let clock = ContinuousClock()
                let end = clock.now.advanced(by: Self.tailLifetime)
                var quiet = 0
                while clock.now < end {
                    var sent = 0
                    var fresh = filter
                    // A little below the last one sent: on PostgreSQL a lower number can commit after a higher
                    // one (two instances, two transactions). What was sent already is not sent again.
                    fresh.after = max(0, last - Self.tailOverlap)
                    for event in try await store.events(matching: fresh).reversed()
                    where !(event.id <= last && shown.contains(event.id)) {
                        try await writer.write(Self.message(event))
                        shown.insert(event.id)
                        last = max(last, event.id)
                        // Followed until they settle; at most 100 at a time (the newest), so a backlog keeps the
                        // statement small.
                        if event.status == .pending { pending[event.id] = (.pending, event.attempts) }
                        if pending.count > 100, let oldest = pending.keys.min() { pending[oldest] = nil }
                        sent += 1
                    }
                    if !pending.isEmpty {
                        let ids = Array(pending.keys)
                        var changed = EventFilter(limit: ids.count)
                        changed.ids = ids
                        for event in try await store.events(matching: changed) {
                            guard let seen = pending[event.id], seen != (event.status, event.attempts) else { continue }
                            try await writer.write(Self.message(event))
                            pending[event.id] = event.status == .pending ? (event.status, event.attempts) : nil
                            sent += 1
                        }
                    }
                    shown = shown.filter { $0 > last - Self.tailOverlap }
                    quiet = sent == 0 ? quiet + 1 : 0
                    // A comment now and then keeps proxies from closing an idle stream.
                    if quiet >= 15 {
                        try await writer.write(ByteBuffer(string: ": idle\n\n"))
                        quiet = 0
                    }
                    try await Task.sleep(for: .seconds(1))
                }
                try await writer.finish(nil)
            })
    }

    static func message(_ event: StoredEvent) -> ByteBuffer {
        ByteBuffer(string: "event: event\nid: \(event.id)\ndata: \(event.json.jsonText)\n\n")
    }
}
