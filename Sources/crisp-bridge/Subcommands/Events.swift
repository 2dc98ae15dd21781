import ArgumentParser
import BridgeCore
import BridgeRuntime
import BridgeStore
import Foundation

/// `crisp-bridge events`: look at and replay stored events (usable while `serve` runs).
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and replay stored events, dead-lettered ones included.",
        subcommands: [List.self, Show.self, Replay.self, Stats.self])

    struct StoreOption: ParsableArguments {
        @Option(
            help:
                "The store: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE (default: BRIDGE_STORE_URL, else sqlite:.crisp-bridge/bridge.sqlite)."
        )
        var store: String?

        /// `--store`, else `BRIDGE_STORE_URL`, else the default SQLite file.
        var spec: String {
            store ?? ProcessInfo.processInfo.environment["BRIDGE_STORE_URL"] ?? "sqlite:.crisp-bridge/bridge.sqlite"
        }

        /// Opens an existing store: these commands never create one.
        func open() async throws -> any BridgeStore {
            do {
                return try await Bridge.openStore(spec, create: false, poolSize: 2)
            } catch {
                DiagnosticPrinter.printError("\(error)")
                throw ExitCode.failure
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List events, newest first, with filters.",
            discussion: """
                crisp-bridge events list --status dead --since 2h
                crisp-bridge events list --contact ada@example.com --json
                Times are ISO 8601 in UTC with milliseconds. --since and --until take an ISO time, a date or an \
                age (15m, 2h, 7d). A full page ends with the --before value of the next one.
                """)
        @OptionGroup var store: StoreOption
        @Option(help: "Only events of this status: pending, done or dead.")
        var status: String?
        @Option(help: "Only events of this pipeline.")
        var pipeline: String?
        @Option(help: "Only events of this contact (email).")
        var contact: String?
        @Option(help: "Only events received at or after this time (ISO 8601, a date, or an age: 15m, 2h, 7d).")
        var since: String?
        @Option(help: "Only events received before this time.")
        var until: String?
        @Option(help: "Only events numbered below this (the next page).")
        var before: Int64?
        @Option(help: "At most this many (1 to 10000).")
        var limit = 50
        @Flag(help: "One JSON object per line instead of the table.")
        var json = false

        func run() async throws {
            var text: [String: String] = ["limit": String(limit)]
            text["status"] = status
            text["pipeline"] = pipeline
            text["contact"] = contact
            text["since"] = since
            text["until"] = until
            text["before"] = before.map(String.init)
            let filter: EventFilter
            do {
                filter = try EventFilter(text: text, now: Date(), maxLimit: 10_000)
            } catch {
                throw ValidationError("--\(error.message)")
            }
            let store = try await store.open()
            let events = try await store.events(matching: filter)
            if json {
                for event in events { print(event.json.jsonText) }
                return
            }
            if let since = try await store.crispQuotaExhaustedSince() {
                print(
                    "# Crisp's daily quota has been used up since \(BridgeTime.iso(since)): delivery is paused (see crisp-bridge quota)"
                )
            }
            for poll in try await store.pollStates() { print("# \(poll.summary)") }
            let header = ["ID", "STATUS", "RECEIVED", "PIPELINE", "CONTACT", "ATTEMPTS", "DEDUPE ID", "LAST ERROR"]
            print(header.joined(separator: "\t"))
            for event in events {
                print(
                    [
                        String(event.id), event.status.rawValue, BridgeTime.iso(event.createdAt), event.pipeline,
                        event.contact ?? "-", String(event.attempts), event.dedupeID, event.lastError ?? "",
                    ].joined(separator: "\t"))
            }
            if events.count == filter.limit, let last = events.last { print("# more: --before \(last.id)") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an event: state, attempts (status, duration, reason), request.",
            discussion: """
                ID is the event's number (the first column of `events list`) or the id the 202 answer printed \
                (its dedupe id: the sender's delivery id, or the pipeline's `id`). A number that is both shows the \
                event with that number.
                """)
        @OptionGroup var store: StoreOption
        @Argument(help: "The event's number, or the id the 202 answer printed.")
        var id: String

        /// The event with this number, else the one with this dedupe id (the newest when several pipelines
        /// have it; the others are named).
        func find(in store: any BridgeStore) async throws -> StoredEvent {
            let matches = try await store.find(id)
            guard let event = matches.last else {
                DiagnosticPrinter.printError(
                    "no event numbered or with the id '\(id)' (see `crisp-bridge events list`)")
                throw ExitCode.failure
            }
            if matches.count > 1 {
                DiagnosticPrinter.printError(
                    "note: events \(matches.map { "\($0.id) (\($0.pipeline))" }.joined(separator: ", ")) have this id; showing \(event.id)"
                )
            }
            return event
        }

        func run() async throws {
            let store = try await store.open()
            let event = try await find(in: store)
            var out = event.json.objectValue ?? [:]
            if event.ageFrom == event.createdAt { out["age_from"] = nil }
            for (key, value) in out where value == .null { out[key] = nil }
            out["attempts_log"] = .array(try await store.attempts(eventID: event.id).map(\.json))
            if let request = try await store.request(event.requestID)?.webhook {
                out["request"] = [
                    "method": .string(request.method), "path": .string(request.path), "query": .string(request.query),
                    "headers": .object(HeaderRedaction.redact(request.headers).mapValues { .string($0) }),
                    "body": .string(String(decoding: request.body, as: UTF8.self)),
                ]
            }
            print(JSONValue.object(out).prettyJSONText)
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The store's size, its events by status and the oldest one kept (retention removes the rest).")
        @OptionGroup var store: StoreOption
        @Flag(help: "One JSON object instead of lines.")
        var json = false

        func run() async throws {
            let store = try await store.open()
            let stats = try await store.stats()
            let counts = EventStatus.allCases.map { "\(stats.byStatus[$0] ?? 0) \($0.rawValue)" }
            if json {
                var out: [String: JSONValue] = [
                    "store": .string(StoreURL.redacted(self.store.spec)), "reclaim": .string(stats.reclaim),
                    "events": .object(
                        Dictionary(
                            uniqueKeysWithValues: EventStatus.allCases.map {
                                ($0.rawValue, JSONValue.number(Double(stats.byStatus[$0] ?? 0)))
                            })),
                    "oldest": stats.oldest.map { .string(BridgeTime.iso($0)) } ?? .null,
                ]
                out["bytes"] = stats.bytes.map { .number(Double($0)) } ?? .null
                print(JSONValue.object(out).jsonText)
                return
            }
            let size = stats.bytes.map { String(format: "%.1f MB", Double($0) / 1_000_000) } ?? "size unknown"
            print("store: \(StoreURL.redacted(self.store.spec)), \(size)")
            print("events: \(counts.joined(separator: ", "))")
            print("oldest kept: \(stats.oldest.map(BridgeTime.iso) ?? "none")")
            switch stats.reclaim {
            case "none":
                print(
                    "space: freed pages are reused, the file does not shrink (a store created before retention); to shrink it once, stop serve and run: sqlite3 FILE 'PRAGMA auto_vacuum = INCREMENTAL; VACUUM;'"
                )
            case "incremental": print("space: given back to the disk after each prune")
            default: print("space: PostgreSQL's autovacuum reclaims it")
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Send events again: a dead one resumes after what it already did, a done one (or any, with --from-start) runs its whole plan.",
            discussion: "crisp-bridge events replay 12 13   |   crisp-bridge events replay --since 2025-06-12T09:00:00Z"
        )
        @OptionGroup var store: StoreOption
        @Argument(help: "Events: their numbers, or the ids the 202 answers printed.")
        var ids: [String] = []
        @Option(help: "Replay every dead event received since this time (ISO 8601).")
        var since: String?
        @Flag(
            help:
                "Write every value again, even one equal to what crisp-bridge last wrote to the contact (by default those are skipped)."
        )
        var force = false

        @Flag(
            help:
                "Run the whole plan again. By default a dead event resumes after the operations it already carried out, so none is repeated; from the start, its Crisp events, notes and http calls may be sent twice."
        )
        var fromStart = false

        func validate() throws {
            if ids.isEmpty == (since == nil) { throw ValidationError("give event ids or --since TIME") }
            if force && since != nil { throw ValidationError("--force is for events given by id") }
        }

        func run() async throws {
            let store = try await store.open()
            let count: Int
            if let since {
                guard let ms = try? ExpressionLanguage.evaluate("unix_ms(t)", ["t": .string(since)]).numberValue else {
                    throw ValidationError("--since takes an ISO 8601 time, e.g. 2025-06-12T09:00:00Z")
                }
                count = try await store.replayDead(
                    since: Date(timeIntervalSince1970: ms / 1000), now: Date(), fromStart: fromStart)
            } else {
                var numbers: [Int64] = []
                for id in ids {
                    guard let event = try await store.find(id).last else {
                        DiagnosticPrinter.printError(
                            "no event numbered or with the id '\(id)' (see `crisp-bridge events list`); nothing replayed"
                        )
                        throw ExitCode.failure
                    }
                    numbers.append(event.id)
                }
                count = try await store.replay(ids: numbers, now: Date(), force: force, fromStart: fromStart)
            }
            print("\(count) event\(count == 1 ? "" : "s") queued again")
        }
    }
}
