import Foundation

/// What one poll found: the new items (in the order the API gave them), the cursor to keep, and how many
/// requests it took.
public struct PollResult: Sendable {
    /// The items to deliver, each to become an event. Empty on a pipeline's first poll with `start: now`.
    public var items: [JSONValue] = []
    /// Every item the answers listed, delivered or not.
    public var found = 0
    /// The cursor after this poll (`null` when the pipeline keeps none).
    public var cursor: JSONValue = .null
    /// The requests made (pages, and an access token when one was fetched).
    public var requests = 0
    /// True when the poll stopped at `PollTrigger.maximumPages` with more pages to read: the next poll goes on.
    public var morePages = false
    /// True on a first poll with `start: now`: the items found were recorded as seen, not delivered.
    public var onlyRecorded = false
    /// The items of a first poll with `start: now`: their ids are kept as seen, so a later poll that lists them
    /// again does not deliver them.
    public var recorded: [JSONValue] = []
    /// Where paging stopped when `morePages`: the next poll goes on from there (`Pipeline.poll(resume:)`).
    public var resume: JSONValue?
    /// Why paging stopped early when a page after the first failed: the pages before it are kept, the next poll
    /// asks for that page again (after the backoff or the `Retry-After` it gave).
    public var interruption: PollFailure?
    /// Why paging stopped though the answer said there was more: the next page would have been the same request
    /// as the one just made (the API's cursor does not move). The pages read are kept; the next poll starts
    /// again from the cursor, after its interval.
    public var stuck: String?

    public init() {}
}

/// A poll that failed: nothing it found is kept and the cursor stays where it was.
public struct PollFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    /// The API's status, when it answered.
    public var status: Int?
    /// How long the API asked to wait (`Retry-After`), in seconds.
    public var retryAfter: Double?

    public init(_ reason: String, status: Int? = nil, retryAfter: Double? = nil) {
        self.reason = reason
        self.status = status
        self.retryAfter = retryAfter
    }

    public var description: String { reason }

    /// The longest wait a `Retry-After` is taken for (a day): a larger one is a mistake or hostile.
    public static let longestRetryAfter = 86_400.0

    /// The seconds a `Retry-After` value asks for: a number of seconds or an HTTP date, at most a day.
    public static func retryAfter(_ value: String?, now: Date) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds.isFinite, seconds >= 0 { return min(seconds, longestRetryAfter) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { min(max(0, $0.timeIntervalSince(now)), longestRetryAfter) }
    }
}
