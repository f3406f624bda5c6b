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
