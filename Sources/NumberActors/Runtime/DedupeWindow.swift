/// A 128-bit fingerprint of a provider event id (MurmurHash3 x64-128, seed 0, over `"<source>:<id>"`).
/// Fixed-size and stable across processes, so the window stores 16 bytes per key instead of strings
/// and rebuilds identically from the journal. Accidental collisions among 5,000,000 keys have a
/// probability around 10^-25.
public struct DedupeKey: Hashable, Sendable, Comparable {
    public var h1: UInt64
    public var h2: UInt64

    public init(h1: UInt64, h2: UInt64) {
        self.h1 = h1
        self.h2 = h2
    }

    public init(source: String, id: String) {
        var bytes = Array(source.utf8)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(contentsOf: id.utf8)
        self = bytes.withUnsafeBytes { DedupeKey.murmur3($0) }
    }

    public static func < (a: DedupeKey, b: DedupeKey) -> Bool { (a.h1, a.h2) < (b.h1, b.h2) }

    /// The key is already a uniform hash: half of it is enough for a hash table.
    public func hash(into hasher: inout Hasher) { hasher.combine(h1) }

    /// MurmurHash3_x64_128 with seed 0.
    public static func murmur3(_ data: UnsafeRawBufferPointer) -> DedupeKey {
        let c1: UInt64 = 0x87C3_7B91_1142_53D5
        let c2: UInt64 = 0x4CF5_AD43_2745_937F
        var h1: UInt64 = 0
        var h2: UInt64 = 0
        let blocks = data.count / 16
        for block in 0..<blocks {
            var k1 = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: block * 16, as: UInt64.self))
            var k2 = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: block * 16 + 8, as: UInt64.self))
            k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1
            h1 = rotl(h1, 27); h1 &+= h2; h1 = h1 &* 5 &+ 0x52DC_E729
            k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2
            h2 = rotl(h2, 31); h2 &+= h1; h2 = h2 &* 5 &+ 0x3849_5AB5
        }
        let tail = blocks * 16
        let rest = data.count - tail
        var k1: UInt64 = 0
        var k2: UInt64 = 0
        for index in 0..<rest {
            let byte = UInt64(data[tail + index])
            if index < 8 { k1 |= byte << (8 * UInt64(index)) } else { k2 |= byte << (8 * UInt64(index - 8)) }
        }
        if rest > 8 { k2 &*= c2; k2 = rotl(k2, 33); k2 &*= c1; h2 ^= k2 }
        if rest > 0 { k1 &*= c1; k1 = rotl(k1, 31); k1 &*= c2; h1 ^= k1 }
        h1 ^= UInt64(data.count)
        h2 ^= UInt64(data.count)
        h1 &+= h2
        h2 &+= h1
        h1 = fmix(h1)
        h2 = fmix(h2)
        h1 &+= h2
        h2 &+= h1
        return DedupeKey(h1: h1, h2: h2)
    }

    @inline(__always) static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always) static func fmix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }
}

/// The dedupe window of DESIGN.md §Persistence: provider event ids seen in the last 7 days (by the
/// journal time of the record that first carried them), at most `capacity` of them. Keys leave in the
/// order they came; a key pushed out by the count bound before its 7 days is counted in
/// `evictedEarly` (a metric), since a provider retry after that would be applied again.
///
/// Time is the journal's, never the wall clock's, so replay rebuilds exactly the same window.
public struct DedupeWindow: Sendable {
    public static let defaultRetentionNanos: Int64 = 7 * 24 * 3600 * 1_000_000_000
    public static let defaultCapacity = 5_000_000

    public let retentionNanos: Int64
    public let capacity: Int
    public private(set) var evictedEarly: UInt64 = 0
    private var members: Set<DedupeKey> = []
    /// Insertion order, oldest at `head`: a ring over `entries`.
    private var entries: [Entry] = []
    private var head = 0

    public struct Entry: Sendable, Equatable {
        public var key: DedupeKey
        public var time: Int64
    }

    public init(retentionNanos: Int64 = DedupeWindow.defaultRetentionNanos, capacity: Int = DedupeWindow.defaultCapacity) {
        precondition(capacity > 0, "dedupe capacity must be positive")
        self.retentionNanos = retentionNanos
        self.capacity = capacity
    }

    public var count: Int { members.count }

    public func contains(_ key: DedupeKey) -> Bool { members.contains(key) }

    /// Records `key` first seen at `time`; returns false (and changes nothing) if it is already known.
    /// Expires keys older than the retention relative to `time` first.
    @discardableResult
    public mutating func insert(_ key: DedupeKey, time: Int64) -> Bool {
        expire(before: time &- retentionNanos)
        guard members.insert(key).inserted else { return false }
        if members.count > capacity {
            let oldest = popOldest()
            members.remove(oldest.key)
            evictedEarly += 1
        }
        entries.append(Entry(key: key, time: time))
        compactIfNeeded()
        return true
    }

    /// Drops keys first seen before `cutoff`.
    public mutating func expire(before cutoff: Int64) {
        while head < entries.count && entries[head].time < cutoff {
            members.remove(entries[head].key)
            head += 1
        }
        compactIfNeeded()
    }

    /// Entries oldest first, for snapshots.
    public var orderedEntries: ArraySlice<Entry> { entries[head...] }

    /// Rebuilds a window from snapshot entries (oldest first) and its eviction counter.
    public init(entries: some Sequence<Entry>, evictedEarly: UInt64, retentionNanos: Int64 = DedupeWindow.defaultRetentionNanos,
                capacity: Int = DedupeWindow.defaultCapacity) {
        self.init(retentionNanos: retentionNanos, capacity: capacity)
        // Sized once, with room for the journal tail that follows a snapshot (rehashing millions of keys is slow,
        // and so is moving millions of entries to a larger array; room not used is never touched).
        let expected = min(capacity, entries.underestimatedCount)
        members.reserveCapacity(min(capacity, expected + expected / 4))
        self.entries.reserveCapacity(min(capacity, expected + expected / 2))
        for entry in entries where members.insert(entry.key).inserted {
            self.entries.append(entry)
        }
        self.evictedEarly = evictedEarly
        while members.count > capacity {
            members.remove(popOldest().key)
        }
    }

    private mutating func popOldest() -> Entry {
        let entry = entries[head]
        head += 1
        return entry
    }

    /// Reclaims the consumed prefix once it is at least half the array, keeping appends amortized O(1).
    private mutating func compactIfNeeded() {
        if head > 1024 && head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }
}
