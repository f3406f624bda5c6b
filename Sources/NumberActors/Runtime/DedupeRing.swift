/// The dedupe window's entries in insertion order, oldest first: a ring that wraps around instead of leaving a
/// consumed prefix behind, so steady expiry does not double its memory.
///
/// Every entry has a logical position that never changes: `logicalHead` for the oldest, counting up. The
/// index stores these positions, so neither growing the ring (which unwraps it) nor dropping the oldest
/// entries touches the index.
///
/// Slots live in segments of 65,536 entries, each a copy-on-write array of its own, filled in order: a slot not
/// reached yet is never written, so room kept for growth costs address space, not resident memory. A copy of
/// the ring (a snapshot's cut, taken under the engine's lock) costs one reference per segment; writing to the
/// live ring afterwards copies only the segment it writes to, once.
struct DedupeRing: Sendable {
    typealias Entry = DedupeWindow.Entry

    static let segmentShift = 16
    static let segmentSlots = 1 << segmentShift
    static let segmentMask = segmentSlots - 1

    /// Physical slots `0..<written` have been written, segment by segment; the ring wraps at `size` (at least
    /// `written`).
    private var segments: [[Entry]] = []
    private var written = 0
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
            // Wrapped: unwrap into new segments, oldest first, so positions stay `head + offset` below `size`.
            let entries = ordered
            segments = []
            written = 0
            head = 0
            for entry in entries { appendSlot(entry) }
        }
        // Not wrapped: every entry keeps its slot. The next append goes right after the newest entry,
        // overwriting a dropped entry or extending the written slots.
        size = slots
    }

    /// The entry `offset` places after the oldest (`offset < count`).
    subscript(offset: Int) -> Entry {
        let physical = slot(offset)
        return segments[physical >> Self.segmentShift][physical & Self.segmentMask]
    }

    @inline(__always) private func slot(_ offset: Int) -> Int {
        let physical = head + offset
        return physical >= size ? physical - size : physical
    }

    /// Appends the newest entry; a full ring grows by half, up to `limit` entries (more than `count`).
    mutating func append(_ entry: Entry, limit: Int) {
        if count == size { reserve(min(limit, max(16, size + size / 2))) }
        let tail = slot(count)
        if tail == written {
            appendSlot(entry)
        } else {
            segments[tail >> Self.segmentShift][tail & Self.segmentMask] = entry
        }
        count += 1
    }

    /// Writes the next physical slot, starting a segment when the last one is full.
    private mutating func appendSlot(_ entry: Entry) {
        if written & Self.segmentMask == 0 {
            var segment: [Entry] = []
            segment.reserveCapacity(Self.segmentSlots)
            segments.append(segment)
        }
        segments[segments.count - 1].append(entry)
        written += 1
    }

    /// Drops the oldest entry (`count > 0`).
    mutating func removeFirst() {
        head += 1
        if head == size { head = 0 }
        count -= 1
        logicalHead += 1
    }

    /// The entries at `offsets` (places after the oldest), in order.
    func entries(_ offsets: Range<Int>) -> [Entry] {
        precondition(offsets.lowerBound >= 0 && offsets.upperBound <= count, "dedupe ring offsets \(offsets) outside 0..<\(count)")
        var result: [Entry] = []
        result.reserveCapacity(offsets.count)
        var offset = offsets.lowerBound
        while offset < offsets.upperBound {
            // The longest run of consecutive slots inside one segment, copied at once.
            let physical = slot(offset)
            let inSegment = physical & Self.segmentMask
            let run = min(offsets.upperBound - offset, Self.segmentSlots - inSegment, size - physical)
            result.append(contentsOf: segments[physical >> Self.segmentShift][inSegment..<(inSegment + run)])
            offset += run
        }
        return result
    }

    /// Entries oldest first.
    var ordered: [Entry] { entries(0..<count) }
}
