import Snapshot

/// Time for the outbox: the wall clock (next-attempt times, rate limits) and waiting (backoff, rate limits).
/// Tests inject one that never really waits.
protocol Sleeper: Sendable {
    /// Unix time in nanoseconds.
    func now() -> Int64
    /// Waits `duration`; throws `CancellationError` when the waiting task is cancelled.
    func sleep(for duration: Duration) async throws
}

struct SystemSleeper: Sleeper {
    func now() -> Int64 { FileSystem.nowNanoseconds() }

    func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await Task.sleep(for: duration)
    }
}
