/// The dedupe window during recovery, on a thread of its own: built from the snapshot's entries (which come
/// before the numbers) while the numbers load, then fed the keys of replayed records in journal order. Nothing
/// reads the window before recovery ends, so it need not keep pace with the numbers table.
final class DedupeLane: @unchecked Sendable {
    private let queue = LaneThread(name: "recovery-dedupe")
    /// Touched only on the lane's thread until `finish`.
    private var window: DedupeWindow

    /// Starts from `window` (empty, with the engine's limits).
    init(_ window: DedupeWindow) {
        self.window = window
    }

    /// Queues building the window from snapshot entries (oldest first); replaces what was there.
    func build(_ entries: [DedupeWindow.Entry], evictedEarly: UInt64) {
        queue.async { [self] in
            window = DedupeWindow(entries: entries, evictedEarly: evictedEarly, retentionNanos: window.retentionNanos, capacity: window.capacity)
        }
    }

    /// Queues keys first seen in replayed records, in journal order.
    func insert(_ keys: [(key: DedupeKey, time: Int64)]) {
        if keys.isEmpty { return }
        queue.async { [self] in
            for (key, time) in keys { window.insert(key, time: time) }
        }
    }

    /// Waits for everything queued, hands the window over and ends the lane's thread (later calls hand over an empty window).
    func finish() -> DedupeWindow {
        queue.stop()
        let built = window
        window = DedupeWindow(retentionNanos: built.retentionNanos, capacity: built.capacity)
        return built
    }
}

/// The two lanes of one recovery attempt (a snapshot that fails to load is abandoned with its lanes).
struct RecoveryLanes {
    let router = RouterLane()
    let dedupe: DedupeLane

    init(limits: EngineLimits) {
        dedupe = DedupeLane(DedupeWindow(retentionNanos: limits.dedupeRetentionNanos, capacity: limits.dedupeCapacity))
    }

    /// What replayed records hand to the lanes, gathered per batch.
    struct Work {
        var dedupe: [(key: DedupeKey, time: Int64)] = []
        var routes: [(key: RouteKey, number: String)] = []
    }

    func submit(_ work: Work) {
        dedupe.insert(work.dedupe)
        router.restore(work.routes)
    }

    /// Waits for both lanes and moves their results into `state`.
    func finish(into state: inout EngineState) {
        state.router = router.finish()
        state.dedupe = dedupe.finish()
    }

    /// Waits for work still queued (after an error), so nothing outlives the attempt.
    func abandon() {
        _ = router.finish()
        _ = dedupe.finish()
    }
}
