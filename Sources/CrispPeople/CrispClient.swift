import AsyncHTTPClient
import BridgeCore
import NIOCore

/// A client of Crisp's people API (REST v1), on one shared AsyncHTTPClient connection pool.
///
/// Calls retry retryable failures a few times with capped exponential backoff and jitter (honouring
/// `Retry-After`); what still fails throws a classified `CrispError` for the caller to schedule or dead-letter.
public struct CrispClient: Sendable {
    public let configuration: Configuration
    let httpClient: HTTPClient
    /// What every HTTP request waits for, if anything.
    let throttle: (any CrispThrottle)?
    /// Counts every request and pauses them all while Crisp's daily quota is used up, if given.
    public let quota: CrispQuota?

    /// Creates a client with its own connection pool; call `shutdown()` when done. With a `throttle`, every
    /// request (retries included) waits for it; with a `quota`, every request is counted and none is sent while
    /// Crisp's daily quota is used up (but one probe now and then).
    public init(configuration: Configuration, throttle: (any CrispThrottle)? = nil, quota: CrispQuota? = nil) {
        self.configuration = configuration
        self.throttle = throttle
        self.quota = quota
        self.httpClient = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(
                timeout: .init(connect: .milliseconds(configuration.connectTimeout.milliseconds))))
    }

    private init(
        configuration: Configuration, httpClient: HTTPClient, throttle: (any CrispThrottle)?, quota: CrispQuota?
    ) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.throttle = throttle
        self.quota = quota
    }

    /// The same client for another website of its token (a plugin token serves every website that installed the
    /// plugin): one connection pool, one rate and one daily quota, as Crisp counts them per token.
    public func on(website id: String) -> CrispClient {
        var configuration = configuration
        configuration.websiteID = id
        return CrispClient(configuration: configuration, httpClient: httpClient, throttle: throttle, quota: quota)
    }

    /// Closes the connection pool.
    public func shutdown() async throws {
        try await httpClient.shutdown()
    }

    /// The path of a website route: `website/{website_id}/people/…`, with each part percent-encoded.
    func path(_ parts: String...) -> String {
        (["website", configuration.websiteID, "people"] + parts).map(Self.encodePathSegment).joined(separator: "/")
    }

    /// Percent-encodes a path segment: everything but letters, digits, `-._~` and `@` (which is legal in a
    /// path), so `ada+crm@example.com` stays `ada+crm` (as `ada%2Bcrm`) instead of turning into a space.
    static func encodePathSegment(_ segment: String) -> String {
        PercentEncoding.encode(segment, keeping: [UInt8(ascii: "@")])
    }
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
