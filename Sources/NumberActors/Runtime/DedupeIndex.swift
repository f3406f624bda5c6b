/// The dedupe window's hash index: open addressing with linear probing over `UInt32` slots, each holding the
/// logical ring position of an entry, so a key costs 4 bytes here instead of a second copy of it.
///
/// A slot is 0 (empty) or `tag << positionBits | position mod 2^positionBits`. The tag is a few bits of the key
/// (never 0), so a probe that meets another key rarely reads that key's entry. The key is already a uniform
/// hash: its `h1` picks the home slot directly (scaled to any table size, so the table need not be a power
/// of two), without hashing it again.
///
/// Entries leaving the ring are not removed here (no backward shift, which would read the entry of every key
/// after the hole). Their slots turn stale by themselves: a position is decoded as its offset from the ring's
/// oldest entry, modulo 2^positionBits, and an offset at or past the ring's count is no longer in the ring.
/// Lookups probe past stale slots, inserts reuse them, and the table is rebuilt without them when live and
/// stale slots together pass a load of 0.85. The ring holds fewer than 2^positionBits entries, so a live slot
/// always decodes to its own entry. A stale slot may later decode to a live offset (its position aliases a
/// newer one): keys are compared in full, so such a slot can only ever find the key really at that offset,
/// and it is never overwritten while it looks live; it goes at the next rebuild.
struct DedupeIndex: Sendable {
    private var slots: [UInt32] = []
    /// Slots not empty: live and stale.
    private var used = 0
    private let positionBits: UInt32
    private let positionMask: UInt32

    /// Positions must tell apart up to `maxEntries` live entries.
    init(maxEntries: Int) {
        precondition(maxEntries < 1 << 30, "dedupe capacity must be below 2^30")
        positionBits = UInt32(Int.bitWidth - maxEntries.leadingZeroBitCount)
        positionMask = UInt32((1 << positionBits) - 1)
    }

    /// Where a lookup ended: the slot of the key if `found`, else the slot a new entry for it goes to.
    struct Probe {
        var slot: Int
        var found: Bool
    }

    func probe(_ key: DedupeKey, in ring: DedupeRing) -> Probe {
        let tag = tag(of: key)
        let head = UInt32(truncatingIfNeeded: ring.logicalHead)
        if slots.isEmpty { return Probe(slot: 0, found: false) }
        return slots.withUnsafeBufferPointer { slots in
            var index = home(of: key, slotCount: slots.count)
            var reusable = -1
            while true {
                let slot = slots[index]
                if slot == 0 { return Probe(slot: reusable >= 0 ? reusable : index, found: false) }
                let offset = Int((slot &- head) & positionMask)
                if offset >= ring.count {
                    if reusable < 0 { reusable = index }
                } else if slot >> positionBits == tag && ring[offset].key == key {
                    return Probe(slot: index, found: true)
                }
                index += 1
                if index == slots.count { index = 0 }
            }
        }
    }

    /// Whether a new entry needs `rebuild` first (then `probe` again). Staying below a load of 0.85 keeps
    /// an empty slot to end every probe, and probes short.
    var isFull: Bool { used * 20 >= slots.count * 17 }

    /// Points `probe.slot` (from a `probe` that did not find `key`) at the entry at `logical`.
    mutating func set(_ probe: Probe, _ key: DedupeKey, logical: UInt64) {
        if slots[probe.slot] == 0 { used += 1 }
        slots[probe.slot] = tag(of: key) << positionBits | UInt32(truncatingIfNeeded: logical) & positionMask
    }

    /// Rebuilds the table over the ring's entries, with `slotCount` slots (more than the ring's count).
    mutating func rebuild(_ ring: DedupeRing, slotCount: Int) {
        precondition(slotCount > ring.count)
        var fresh = [UInt32](repeating: 0, count: slotCount)
        fresh.withUnsafeMutableBufferPointer { fresh in
            for offset in 0..<ring.count {
                let key = ring[offset].key
                var index = home(of: key, slotCount: slotCount)
                while fresh[index] != 0 {
                    index += 1
                    if index == slotCount { index = 0 }
                }
                fresh[index] = tag(of: key) << positionBits | UInt32(truncatingIfNeeded: ring.logicalHead &+ UInt64(offset)) & positionMask
            }
        }
        slots = fresh
        used = ring.count
    }

    /// Slots for `entries` at a load of 0.6, which leaves a quarter of the table for inserts before the next rebuild.
    static func slotCount(for entries: Int) -> Int { max(16, entries * 5 / 3 + 1) }

    var slotCount: Int { slots.count }

    @inline(__always) private func home(of key: DedupeKey, slotCount: Int) -> Int {
        Int(truncatingIfNeeded: key.h1.multipliedFullWidth(by: UInt64(slotCount)).high)
    }

    @inline(__always) private func tag(of key: DedupeKey) -> UInt32 {
        let tag = UInt32(truncatingIfNeeded: key.h1) & (UInt32.max >> positionBits)
        return tag == 0 ? 1 : tag
    }
}
