import ArgumentParser
import BridgeCore
import BridgeRuntime
import BridgeStore
import Foundation

/// `crisp-bridge events`: look at and replay stored events (usable while `serve` runs).
struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and replay stored events, dead-lettered ones included.",
        subcommands: [List.self, Show.self, Replay.self])

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
        static let configuration = CommandConfiguration(abstract: "List events, newest first.")
        @OptionGroup var store: StoreOption
        @Option(help: "Only events of this status: pending, done or dead.")
        var status: String?
        @Option(help: "At most this many.")
        var limit = 50

        func run() async throws {
            var filter: EventStatus?
            if let status {
                guard let s = EventStatus(rawValue: status) else {
                    throw ValidationError("--status is pending, done or dead")
                }
                filter = s
            }
            let store = try await store.open()
            if let since = try await store.crispQuotaExhaustedSince() {
                print(
                    "# Crisp's daily quota has been used up since \(since.formatted(.iso8601)): delivery is paused (see crisp-bridge quota)"
                )
            }
            for poll in try await store.pollStates() { print("# \(poll.summary)") }
            for event in try await store.events(status: filter, since: nil, limit: limit) {
                var line =
                    "\(event.id)\t\(event.status.rawValue)\t\(event.pipeline)\t\(event.dedupeID)\tattempts=\(event.attempts)"
                if let contact = event.contact { line += "\t\(contact)" }
                if let error = event.lastError { line += "\t\(error)" }
                print(line)
            }
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
            let id = event.id
            let iso = ISO8601DateFormatter()
            var out: [String: JSONValue] = [
                "id": .number(Double(event.id)), "status": .string(event.status.rawValue),
                "pipeline": .string(event.pipeline), "dedupe_id": .string(event.dedupeID),
                "index": .number(Double(event.index)), "attempts": .number(Double(event.attempts)),
                "progress": .number(Double(event.progress)), "received_at": .string(iso.string(from: event.createdAt)),
            ]
            if let contact = event.contact { out["contact"] = .string(contact) }
            if let earlier = event.waitingFor, event.status == .pending {
                out["waiting_for"] = .number(Double(earlier))  // an earlier event of the same contact
            }
            if event.ageFrom != event.createdAt { out["age_from"] = .string(iso.string(from: event.ageFrom)) }
            if let error = event.lastError { out["last_error"] = .string(error) }
            if let version = event.plannedBy { out["planned_by"] = .string(version) }
            if let next = event.nextAttemptAt, event.status == .pending {
                out["next_attempt_at"] = .string(iso.string(from: next))
            }
            out["attempts_log"] = .array(
                try await store.attempts(eventID: id).map {
                    var a: [String: JSONValue] = [
                        "at": .string(iso.string(from: $0.at)), "outcome": .string($0.outcome),
                        "reason": .string($0.reason),
                    ]
                    if let s = $0.httpStatus { a["http_status"] = .number(Double(s)) }
                    if let d = $0.duration { a["duration_ms"] = .number((d * 1000).rounded()) }
                    return .object(a)
                })
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
