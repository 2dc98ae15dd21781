/// How the sandbox behaves: which credentials it accepts, and the trouble it makes on purpose.
public struct SandboxConfiguration: Sendable {
    /// The website id whose routes exist (`/v1/website/{website_id}/…`); others answer 404 `website_not_found`.
    public var websiteID: String
    /// More websites the token serves, as a plugin token serves every website that installed the plugin: each
    /// has its own people and conversations (kept in memory), and all share the token's rate and daily quota.
    public var otherWebsites: [String] = []
    /// The token identifier and key accepted in `Authorization: Basic`; anything else answers 401.
    public var identifier: String
    public var key: String
    /// Requests per second per token before 429 `rate_limited`; nil means no limit.
    public var rateLimit: Double?
    /// Requests per day per token before 423 `quota_limit_exceeded`; nil means no quota.
    public var dailyQuota: Int?
    /// The share of requests (0…1) answered with a random 500 or 503 before doing anything.
    public var failRate: Double
    /// The share of writes (POST, PUT, PATCH, DELETE: 0…1) that are performed and then answered with a random
    /// 500 or 503 — or, when `lateAnswerMilliseconds` is set, answered that late (a client's timeout fires) — as
    /// when Crisp stores a write and the answer is lost: a client that retries blindly writes twice.
    public var failAfterWriteRate: Double
    /// With `failAfterWriteRate`: a third kind of fault, the answer to a stored write sent this late.
    public var lateAnswerMilliseconds: Int
    /// Delay before every answer, in milliseconds.
    public var latencyMilliseconds: Int
    /// The share of writes (0…1) that are performed and then answered 200 with an HTML page instead of Crisp's
    /// JSON, as when a proxy or a cut connection garbles the answer to a stored write.
    public var garbledAnswerRate: Double = 0
    /// The seed of the injected faults' draws: a run with the same seed meets the same sequence of faults.
    public var seed = UInt64.random(in: 0...UInt64.max)

    /// Whether any fault is injected (then the seed is worth printing).
    public var injectsFaults: Bool { failRate > 0 || failAfterWriteRate > 0 || garbledAnswerRate > 0 }

    /// The defaults match the demo credentials the README and `serve --sandbox` use.
    public init(
        websiteID: String = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc",
        identifier: String = "sandbox-identifier", key: String = "sandbox-key", rateLimit: Double? = nil,
        dailyQuota: Int? = nil, failRate: Double = 0, failAfterWriteRate: Double = 0, lateAnswerMilliseconds: Int = 0,
        latencyMilliseconds: Int = 0
    ) {
        self.failAfterWriteRate = failAfterWriteRate
        self.lateAnswerMilliseconds = lateAnswerMilliseconds
        self.websiteID = websiteID
        self.identifier = identifier
        self.key = key
        self.rateLimit = rateLimit
        self.dailyQuota = dailyQuota
        self.failRate = failRate
        self.latencyMilliseconds = latencyMilliseconds
    }
}
