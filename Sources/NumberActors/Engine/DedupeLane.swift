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
