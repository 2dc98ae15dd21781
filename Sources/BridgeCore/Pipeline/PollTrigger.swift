import Foundation

/// `trigger.poll`: the pipeline asks a sender's API for new items on a schedule (a sheet's rows, a Notion
/// database's pages, a CRM's contacts) instead of waiting for webhooks. Each new item becomes an event whose
/// body and `event` are the item.
///
/// A poll runs `request` (its templates see `env` and the stored `cursor`), takes the page's items with `items`,
/// the next cursor with `cursor` and the next page's request parameters with `next`; the items found and the new
/// cursor are kept in one transaction by the runtime.
public struct PollTrigger: Sendable {
    /// Where the first poll of a pipeline starts.
    public enum Start: String, Sendable {
        /// The first poll only records where things stand (the cursor); only later items become events.
        case now
        /// The first poll delivers every item it finds (a backfill).
        case beginning
    }

    /// The time between two polls, in seconds (at least `minimumInterval`).
    public let every: Double
    public let start: Start
    /// The least time between two requests of one poll (its pages), in seconds: an API's rate limit (`rate: 3/s`).
    public let pace: Double
    /// A Google service account that authorises the request (`auth.google_service_account`), if any; a bearer
    /// token from `env` needs none (it is a header).
    public let serviceAccount: GoogleServiceAccountAuth?
    let request: FetchStep
    let items: CompiledExpression
    let cursor: CompiledExpression?
    let next: CompiledExpression?
    /// How many values a poll's frame holds.
    let slotCount: Int
    public let location: SourceLocation

    /// The shortest `every` allowed: APIs count requests, and a poll more often than this finds nothing new.
    public static let minimumInterval = 10.0
    /// The most pages one poll reads; a poll that has more keeps its cursor and goes on at the next poll.
    public static let maximumPages = 100
    /// The most items one poll keeps (its pages are read until then): a flood is stored in parts.
    public static let maximumItems = 5_000

    /// The request's method and URL as written (no secrets: templates are not evaluated).
    public var requestSummary: String { "\(request.method) \(request.origin)" }
}

/// `auth.google_service_account`: a Google service account's JSON key file. The runtime exchanges a signed JWT
/// for an OAuth access token, sends it as `Authorization: Bearer …` and reuses it until it expires.
public struct GoogleServiceAccountAuth: Sendable {
    /// The key file's path (a template: usually `${{ env.GOOGLE_SERVICE_ACCOUNT_KEY }}`).
    let keyFile: ValueTemplate
    /// The OAuth scopes asked for.
    public let scopes: [String]

    /// The grant with this frame's key file (an `http` action's or a fetch's); an empty path fails, naming `label`.
    func grant(_ frame: inout [JSONValue], label: String, at location: SourceLocation) throws -> ServiceAccountGrant {
        guard case .string(let path) = try keyFile.evaluate(&frame), !path.isEmpty else {
            throw BridgeCoreError(
                .invalidOperation, "\(label): auth.google_service_account.key_file is empty", at: location)
        }
        return ServiceAccountGrant(keyFile: path, scopes: scopes)
    }
}

/// The fixed slots of a poll's frame (after the pipeline's fixed slots, which keep their places so that `env`
/// reads the same).
enum PollSlot {
    static let cursor = Slot.names.count
    static let answer = Slot.names.count + 1
    static let items = Slot.names.count + 2
    static let polledAt = Slot.names.count + 3
    static let start = Slot.names.count + 4
    static let names = ["cursor", "answer", "items", "polled_at", "start"]
}
