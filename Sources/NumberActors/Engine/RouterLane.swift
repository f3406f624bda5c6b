/// Rebuilds the router's indexes during recovery on a thread of its own, in order: first the keys of the
/// snapshot's numbers (batch after batch, while the loading thread fills the numbers table), then the keys
/// granted by replayed records. The router is independent of the numbers table, and costs about as much to
/// rebuild (a hash and a cache miss per key), so the two are built side by side.
final class RouterLane: @unchecked Sendable {
    private let queue = LaneThread(name: "recovery-router")
    /// Touched only on the lane's thread until `finish`.
    private var router = RouterIndexes()
    private var expectedNumbers = 0
    private var sized = false

    /// The snapshot's number count (bounded by the caller), known from its meta entity before any number:
    /// the indexes are sized from the first batch's keys per number, so they are not rehashed as they grow.
    func expect(numbers: Int) {
        queue.async { [self] in expectedNumbers = numbers }
    }

    /// Queues the keys of `entries` (snapshot numbers, already in the numbers table).
    func add(_ entries: [NumberEntry]) {
        queue.async { [self] in
            if !sized { reserve(like: entries) }
            for entry in entries {
                for key in entry.keys { router.restore(key, number: entry.state.id) }
            }
        }
    }

    /// Queues keys granted by replayed records, in journal order.
    func restore(_ granted: [(key: RouteKey, number: String)]) {
        if granted.isEmpty { return }
        queue.async { [self] in
            for (key, number) in granted { router.restore(key, number: number) }
        }
    }

    /// Waits for everything queued, hands the indexes over and ends the lane's thread (later calls hand over empty indexes).
    func finish() -> RouterIndexes {
        queue.stop()
        let built = router
        router = RouterIndexes()
        return built
    }

    private func reserve(like sample: [NumberEntry]) {
        sized = true
        guard !sample.isEmpty, expectedNumbers > 0 else { return }
        var perKind = [Int](repeating: 0, count: RouteKey.Kind.allCases.count + 1)
        for entry in sample {
            for key in entry.keys { perKind[Int(key.kind.rawValue)] += 1 }
        }
        // A tenth more than the sample projects, for numbers with more keys later in the file (room not
        // reached costs the index 4 bytes a key, the entries nothing: they are never written).
        for kind in RouteKey.Kind.allCases where perKind[Int(kind.rawValue)] > 0 {
            var projected = perKind[Int(kind.rawValue)] * expectedNumbers / sample.count * 11 / 10
            if kind == .customer { projected = min(projected, expectedNumbers) }
            router.reserve(kind, keys: projected)
        }
    }
}
