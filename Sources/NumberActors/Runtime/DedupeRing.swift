/// The dedupe window's entries in insertion order, oldest first: a ring that wraps around instead of leaving a
/// consumed prefix behind, so steady expiry does not double its memory.
///
/// Every entry has a logical position that never changes: `logicalHead` for the oldest, counting up. The
/// index stores these positions, so neither growing the ring (which unwraps it) nor dropping the oldest
/// entries touches the index.
///
/// Slots past the materialized prefix of `storage` are reserved but never written until reached, so room
/// kept for growth costs address space, not resident memory.
struct DedupeRing: Sendable {
    typealias Entry = DedupeWindow.Entry

    /// Physical slots `0..<storage.count` have been written; the ring wraps at `size` (at least `storage.count`).
    private var storage: [Entry] = []
    private var size = 0
    /// Physical slot of the oldest entry.
    private var head = 0
    private(set) var count = 0
    /// Logical position of the oldest entry: how many entries have left the ring so far.
    private(set) var logicalHead: UInt64 = 0

    /// Makes room for `slots` entries in all, without writing them.
    mutating func reserve(_ slots: Int) {
        guard slots > size else { return }
        if head + count > size {
            // Wrapped: unwrap into the new storage, oldest first, so positions stay `head + offset` below `size`.
            var unwrapped: [Entry] = []
            unwrapped.reserveCapacity(slots)
            unwrapped.append(contentsOf: storage[head..<size])
            unwrapped.append(contentsOf: storage[0..<(head + count - size)])
            storage = unwrapped
            head = 0
        } else {
            // Not wrapped: every entry keeps its slot. The next append goes right after the newest entry,
            // overwriting a dropped entry or extending the storage.
            storage.reserveCapacity(slots)
        }
        size = slots
    }

    /// The entry `offset` places after the oldest (`offset < count`).
    subscript(offset: Int) -> Entry {
        var physical = head + offset
        if physical >= size { physical -= size }
        return storage[physical]
    }

    /// Appends the newest entry; a full ring grows by half, up to `limit` entries (more than `count`).
    mutating func append(_ entry: Entry, limit: Int) {
        if count == size { reserve(min(limit, max(16, size + size / 2))) }
        var tail = head + count
        if tail >= size { tail -= size }
        if tail == storage.count {
            storage.append(entry)
        } else {
            storage[tail] = entry
        }
        count += 1
    }

    /// Drops the oldest entry (`count > 0`).
    mutating func removeFirst() {
        head += 1
        if head == size { head = 0 }
        count -= 1
        logicalHead += 1
    }

    /// Entries oldest first.
    var ordered: [Entry] {
        if head + count <= size { return Array(storage[head..<(head + count)]) }
        return Array(storage[head..<size]) + storage[0..<(head + count - size)]
    }
}
