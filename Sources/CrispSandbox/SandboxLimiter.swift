import Foundation
import Synchronization

/// The sandbox's rate limit (a token bucket per token) and daily quota, as `--rate-limit` and `--quota` set them.
final class SandboxLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var refilledAt: Date
        var day: Int
        var usedToday: Int
    }

    private let rate: Double?
    private let quota: Mutex<Int?>
    private let buckets = Mutex<[String: Bucket]>([:])

    init(rate: Double?, quota: Int?) {
        self.rate = rate
        self.quota = Mutex(quota)
    }

    /// Starts a new quota day for every token (as Crisp's daily reset does), with a new daily quota if given.
    func resetQuota(to newQuota: Int? = nil) {
        if let newQuota { quota.withLock { $0 = newQuota } }
        buckets.withLock { buckets in
            for token in buckets.keys { buckets[token]?.usedToday = 0 }
        }
    }

    /// Takes one request from the token's allowance; returns the refusal when there is none left.
    func admit(token: String, now: Date = Date()) -> SandboxError? {
        let quota = quota.withLock { $0 }
        return buckets.withLock { buckets in
            let day = Int(now.timeIntervalSince1970 / 86_400)
            var bucket =
                buckets[token] ?? Bucket(tokens: rate ?? 0, refilledAt: now, day: day, usedToday: 0)
            if bucket.day != day {
                bucket.day = day
                bucket.usedToday = 0
            }
            if let quota, bucket.usedToday >= quota {
                buckets[token] = bucket
                return SandboxError(423, "quota_limit_exceeded", "the daily quota of \(quota) requests is used up")
            }
            if let rate {
                bucket.tokens = min(rate, bucket.tokens + now.timeIntervalSince(bucket.refilledAt) * rate)
                bucket.refilledAt = now
                guard bucket.tokens >= 1 else {
                    buckets[token] = bucket
                    return SandboxError(429, "rate_limited", "more than \(rate) requests per second")
                }
                bucket.tokens -= 1
            }
            bucket.usedToday += 1
            buckets[token] = bucket
            return nil
        }
    }
}
