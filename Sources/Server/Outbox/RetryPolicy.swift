/// When to try a failed attempt again: exponential backoff with full jitter (a uniform delay between 0 and
/// `min(cap, base · 2^(n-1))` after the n-th failure), or the provider's Retry-After when it gave one; after
/// `maxAttempts` attempts the effect fails for good.
struct RetryPolicy: Sendable, Equatable {
    var base: Duration = .seconds(1)
    var cap: Duration = .seconds(300)
    var maxAttempts = 8
    /// A Retry-After longer than this is shortened to it (a provider that says "in a day" is asked again sooner).
    var maxRetryAfter: Duration = .seconds(3600)

    /// The largest delay the jitter may pick after `failures` failed attempts (1-based).
    func ceiling(afterFailures failures: Int) -> Duration {
        let exponent = max(0, min(failures - 1, 62))
        let capNanos = max(Self.nanos(cap), 0)
        let baseNanos = max(Self.nanos(base), 0)
        // base · 2^exponent, saturating at the cap (compared before shifting, so it cannot overflow).
        if baseNanos > capNanos >> exponent { return .nanoseconds(capNanos) }
        return .nanoseconds(baseNanos << exponent)
    }

    /// The delay before the next attempt after `failures` failed attempts. `random` supplies the jitter.
    func delay<R: RandomNumberGenerator>(afterFailures failures: Int, retryAfter: Duration?, random: inout R) -> Duration {
        if let retryAfter, retryAfter > .zero { return min(retryAfter, maxRetryAfter) }
        let ceiling = Self.nanos(ceiling(afterFailures: failures))
        guard ceiling > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...ceiling, using: &random))
    }

    /// True when an effect that failed `failures` times (all retryable) gets another attempt.
    func allowsAnotherAttempt(afterFailures failures: Int) -> Bool { failures < maxAttempts }

    static func nanos(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow2 ? .max : sum
    }
}

/// SplitMix64: a small seeded generator, so the jitter of a test run is the same every time.
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
