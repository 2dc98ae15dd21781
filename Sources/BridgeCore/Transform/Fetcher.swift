import Foundation
import Synchronization

/// Performs a pipeline's enrichment calls. The runtime's fetcher speaks HTTP; tests and `plan` answer from
/// recordings. It is the only I/O a transform does.
public protocol Fetcher: Sendable {
    func fetch(_ request: FetchRequest) async throws -> FetchResponse
}

/// One enrichment call as the pipeline built it.
public struct FetchRequest: Sendable, Hashable {
    /// The fetch's name in the pipeline (`contact`).
    public var name: String
    public var method: String
    /// The full URL, query included.
    public var url: String
    public var headers: [String: String]
    public var body: Data?
    /// The scheme, host and port written in the pipeline: the fetcher follows redirects only within it.
    public var origin: FetchOrigin?
    /// Whether redirects (within `origin`) are followed; when false a 3xx is the answer.
    public var followsRedirects = true
    /// An OAuth 2 refresh grant that signs the call in (`auth.oauth2`): the runtime's fetcher adds the token.
    public var oauth2: OAuth2Credentials?
    /// A Google service account that signs the call in (a fetch's `auth.google_service_account`): the runtime's
    /// fetcher adds its token.
    public var serviceAccount: ServiceAccountGrant?

    public init(
        name: String, method: String, url: String, headers: [String: String] = [:], body: Data? = nil,
        origin: FetchOrigin? = nil
    ) {
        self.name = name
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.origin = origin
    }
}

/// The answer to an enrichment call.
public struct FetchResponse: Sendable, Hashable {
    public var status: Int
    public var body: Data
    /// The answer's headers, names lower-cased (a poll reads `Retry-After`).
    public var headers: [String: String]

    public init(status: Int, body: Data, headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }
}

/// Answers fetches from recorded responses by fetch name. One answer serves every call; a list of answers
/// serves the calls in order (one per event of a batch). A fetch without an answer fails the event.
public final class RecordedFetcher: Fetcher {
    private struct Answers {
        var queue: [FetchResponse]
        let repeats: Bool
        let given: Int
    }

    private let answers: Mutex<[String: Answers]>
    private let requests = Mutex<[FetchRequest]>([])
    private let keepsRequests: Bool

    /// One answer per name, used for every call. With `keepingRequests`, the requests made are kept.
    public convenience init(_ responses: [String: FetchResponse] = [:], keepingRequests: Bool = false) {
        self.init(
            sequences: responses.mapValues { [$0] }, repeating: Set(responses.keys), keepingRequests: keepingRequests)
    }

    /// Answers per name, used in order. For the names in `repeating`, the one answer serves every call.
    public init(sequences: [String: [FetchResponse]], repeating: Set<String> = [], keepingRequests: Bool = false) {
        var answers: [String: Answers] = [:]
        for (name, queue) in sequences {
            answers[name] = Answers(
                queue: queue, repeats: repeating.contains(name) && queue.count == 1, given: queue.count)
        }
        self.answers = Mutex(answers)
        self.keepsRequests = keepingRequests
    }

    /// Whether an event's failure `reason` is a call this fetcher had no answer for (none recorded for the
    /// name, or fewer than the calls made): the event could not be planned offline.
    public static func isUnanswered(reason: String) -> Bool {
        reason.contains(unansweredPhrase) || reason.contains(exhaustedPhrase)
    }

    private static let unansweredPhrase = "no recorded answer for fetch '"
    private static let exhaustedPhrase = "' was called more often than the "

    /// The requests made so far, in order (kept only when asked for at creation).
    public var recordedRequests: [FetchRequest] { requests.withLock { $0 } }

    public func fetch(_ request: FetchRequest) async throws -> FetchResponse {
        if keepsRequests { requests.withLock { $0.append(request) } }
        let answer: Result<FetchResponse, BridgeCoreError> = answers.withLock { answers in
            guard var entry = answers[request.name] else {
                return .failure(
                    BridgeCoreError(
                        .fetch,
                        "\(Self.unansweredPhrase)\(request.name)' (give one with fetch: in the test case, or --fetch \(request.name)=FILE)"
                    ))
            }
            guard let first = entry.queue.first else {
                return .failure(
                    BridgeCoreError(
                        .fetch, "fetch '\(request.name)\(Self.exhaustedPhrase)\(entry.given) recorded answers"
                    ))
            }
            if !entry.repeats { entry.queue.removeFirst() }
            answers[request.name] = entry
            return .success(first)
        }
        return try answer.get()
    }
}
