import Synchronization

/// A token bucket: `rate` tokens a second, at most `burst` saved up. `reserve` always succeeds and says how
/// long the caller must wait before using its token (the balance may go negative), so callers are served in
/// the order they asked and nobody spins.
struct TokenBucket: Sendable, Equatable {
    var rate: Double
    var burst: Double
    private(set) var tokens: Double
    private(set) var updated: Int64

    init(rate: Double, burst: Double? = nil, now: Int64) {
        precondition(rate > 0, "a token bucket needs a positive rate")
        self.rate = rate
        self.burst = max(1, burst ?? rate)
        tokens = self.burst
        updated = now
    }

    /// Takes one token at `now` (nanoseconds); returns the wait before it may be used.
    mutating func reserve(now: Int64) -> Duration {
        if now > updated {
            tokens = min(burst, tokens + Double(now - updated) * rate / 1e9)
            updated = now
        }
        tokens -= 1
        if tokens >= 0 { return .zero }
        return .nanoseconds(Int64((-tokens / rate * 1e9).rounded(.up)))
    }
}

/// One token bucket per provider (DIDWW allows 20 requests a second per API key). Providers without a limit
/// are not throttled.
final class RateLimiter: Sendable {
    static let defaultLimits: [EffectProvider: Double] = [.didww: 20, .stripe: 25, .didwwSMS: 10, .email: 20]

    private let buckets: Mutex<[EffectProvider: TokenBucket]>

    init(limits: [EffectProvider: Double] = RateLimiter.defaultLimits, now: Int64) {
        var buckets: [EffectProvider: TokenBucket] = [:]
        for (provider, rate) in limits where rate > 0 { buckets[provider] = TokenBucket(rate: rate, now: now) }
        self.buckets = Mutex(buckets)
    }

    /// One token per listed request; returns the longest wait among them.
    func reserve(_ requests: [EffectProvider], now: Int64) -> Duration {
        guard !requests.isEmpty else { return .zero }
        return buckets.withLock { buckets in
            var wait = Duration.zero
            for provider in requests {
                guard var bucket = buckets[provider] else { continue }
                wait = max(wait, bucket.reserve(now: now))
                buckets[provider] = bucket
            }
            return wait
        }
    }
}
