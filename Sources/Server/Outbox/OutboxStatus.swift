import NumberActors

/// The outboxes at a glance, for `/admin/status` (`outbox`) and `/metrics`.
///
/// - pending: entries waiting to run, including those retrying;
/// - retrying: pending entries whose last attempt in this process failed retryably (the workers' view);
/// - failed: entries that failed for good, waiting for an operator;
/// - oldest pending effect: the time of the event that emitted it (the event's own time, from the number's
///   history; an effect older than the history counts from the history's oldest entry, a lower bound on its age).
struct OutboxStatus: Sendable, Equatable {
    var pending = 0
    var retrying = 0
    var failed = 0
    var oldestPendingTime: UnixSeconds?

    mutating func count(_ state: NumberState) {
        guard !state.outbox.isEmpty else { return }
        var oldestVersion = UInt64.max
        for entry in state.outbox {
            if case .failed = entry.status {
                failed += 1
            } else {
                pending += 1
                oldestVersion = min(oldestVersion, entry.effect.id.version)
            }
        }
        guard oldestVersion != .max else { return }
        let events = state.history.events
        let emitted = events.first { $0.version == oldestVersion }?.time ?? events.first?.time ?? state.updatedAt
        if let emitted { oldestPendingTime = min(oldestPendingTime ?? emitted, emitted) }
    }

    /// The workers' retrying count (nil without workers).
    mutating func add(_ workers: EffectWorkers?) {
        guard let workers else { return }
        retrying = workers.queue.tracked.values.reduce(0) { $0 + ($1.failures > 0 ? 1 : 0) }
    }

    func oldestAgeSeconds(now: UnixSeconds) -> Int64? { oldestPendingTime.map { max(0, now - $0) } }
}
