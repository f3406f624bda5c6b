/// The dedupe window of DESIGN.md §Persistence: provider event ids seen in the last 7 days (by the
/// journal time of the record that first carried them), at most `capacity` of them. Keys leave in the
/// order they came; a key pushed out by the count bound before its 7 days is counted in
/// `evictedEarly` (a metric), since a provider retry after that would be applied again.
///
/// Time is the journal's, never the wall clock's, so replay rebuilds exactly the same window.
///
/// A key costs its 24-byte entry in a ring (insertion order) plus 4 to 7 bytes of index, instead of a
/// `Set` (another copy of the key, hashed again) beside an array that kept a consumed prefix.
public struct DedupeWindow: Sendable {
    public static let defaultRetentionNanos: Int64 = 7 * 24 * 3600 * 1_000_000_000
    public static let defaultCapacity = 5_000_000

    public let retentionNanos: Int64
    public let capacity: Int
    public private(set) var evictedEarly: UInt64 = 0
    /// Insertion order, oldest first.
    private var ring = DedupeRing()
    /// Key → ring position.
    private var index: DedupeIndex

    public struct Entry: Sendable, Equatable {
        public var key: DedupeKey
        public var time: Int64
    }

    public init(retentionNanos: Int64 = DedupeWindow.defaultRetentionNanos, capacity: Int = DedupeWindow.defaultCapacity) {
        self.init(retentionNanos: retentionNanos, capacity: capacity, maxEntries: capacity)
    }

    private init(retentionNanos: Int64, capacity: Int, maxEntries: Int) {
        precondition(capacity > 0, "dedupe capacity must be positive")
        self.retentionNanos = retentionNanos
        self.capacity = capacity
        index = DedupeIndex(maxEntries: maxEntries)
    }

    public var count: Int { ring.count }

    public func contains(_ key: DedupeKey) -> Bool { index.probe(key, in: ring).found }

    /// Records `key` first seen at `time`; returns false (and changes nothing) if it is already known.
    /// Expires keys older than the retention relative to `time` first.
    @discardableResult
    public mutating func insert(_ key: DedupeKey, time: Int64) -> Bool {
        expire(before: time &- retentionNanos)
        let probe = probe(key)
        if probe.found { return false }
        if ring.count == capacity {
            ring.removeFirst()
            evictedEarly += 1
        }
        append(Entry(key: key, time: time), at: probe, limit: capacity)
        return true
    }

    /// Drops keys first seen before `cutoff`.
    public mutating func expire(before cutoff: Int64) {
        while ring.count > 0 && ring[0].time < cutoff {
            ring.removeFirst()
        }
    }

    /// Entries oldest first (a copy), for snapshots.
    public var orderedEntries: [Entry] { ring.ordered }

    /// The entries, oldest first, as a value that costs one reference per 65,536 entries to take (a snapshot
    /// takes it under the engine's lock and reads it afterwards).
    public var entries: Entries { Entries(ring: ring) }

    public struct Entries: Sendable {
        fileprivate let ring: DedupeRing
        public var count: Int { ring.count }
        /// The entries at `offsets` (places after the oldest), in order.
        public func slice(_ offsets: Range<Int>) -> [Entry] { ring.entries(offsets) }
    }

    /// Rebuilds a window from snapshot entries (oldest first) and its eviction counter.
    public init(entries: some Sequence<Entry>, evictedEarly: UInt64, retentionNanos: Int64 = DedupeWindow.defaultRetentionNanos,
                capacity: Int = DedupeWindow.defaultCapacity) {
        let entries = Array(entries)
        // Positions must tell apart every entry until those past the capacity are dropped below.
        self.init(retentionNanos: retentionNanos, capacity: capacity, maxEntries: max(capacity, entries.count))
        // Sized once, with room for the journal tail that follows a snapshot: the ring for half as many entries
        // again (room not reached is never written, so it costs no memory), the index for a third more at a
        // load of 0.8 (it is rebuilt past 0.85).
        let expected = min(capacity, entries.count)
        ring.reserve(max(16, entries.count, min(capacity, expected + expected / 2)))
        index.rebuild(ring, slotCount: max(16, (expected + expected / 3) * 5 / 4))
        for entry in entries {
            let probe = probe(entry.key)
            if !probe.found { append(entry, at: probe, limit: max(capacity, entries.count)) }
        }
        self.evictedEarly = evictedEarly
        while ring.count > capacity {
            ring.removeFirst()
        }
    }

    /// Where `key` is, or goes; rebuilds the index first if a new key would fill it too much.
    private mutating func probe(_ key: DedupeKey) -> DedupeIndex.Probe {
        if index.isFull { index.rebuild(ring, slotCount: DedupeIndex.slotCount(for: ring.count + 1)) }
        return index.probe(key, in: ring)
    }

    /// Appends `entry` (whose key `probe` did not find) as the newest; the ring grows up to `limit` entries.
    private mutating func append(_ entry: Entry, at probe: DedupeIndex.Probe, limit: Int) {
        index.set(probe, entry.key, logical: ring.logicalHead &+ UInt64(ring.count))
        ring.append(entry, limit: limit)
    }
}
