/// One of the router's indexes: string key → value, for keys that are only ever added (the router forgets
/// nothing). Entries sit densely in insertion order (a key and its value, no hash, no empty buckets); an
/// open-addressing index of `UInt32` slots, probed linearly, points into them.
///
/// A slot is 0 (empty) or `tag << positionBits | (entry index + 1)`, the tag being a few bits of the key's hash:
/// a probe that meets another key rarely reads that key's entry. A match is always confirmed by comparing
/// the keys themselves, so a hash collision costs a comparison, never a wrong answer.
///
/// The hash is seeded per process (as `Hasher` is): keys come from outside (customer ids from API clients),
/// and an unseeded hash would let them be chosen to pile up on one slot.
struct RouteTable<Value: Sendable & Equatable>: Sendable {
    struct Entry: Sendable {
        var key: String
        var value: Value
    }

    private(set) var entries: [Entry] = []
    private var slots: [UInt32] = []
    private var positionBits: UInt32 = 0

    var count: Int { entries.count }

    /// Where a lookup ended: the entry of the key, else the empty slot where it would go.
    enum Probe {
        case found(entry: Int)
        case missing(slot: Int, hash: UInt64)
    }

    func probe(_ key: String) -> Probe {
        let hash = Self.hash(key)
        guard !slots.isEmpty else { return .missing(slot: 0, hash: hash) }
        let tag = tag(of: hash)
        let mask = UInt32((1 << positionBits) - 1)
        return slots.withUnsafeBufferPointer { slots in
            var index = Self.home(of: hash, slotCount: slots.count)
            while true {
                let slot = slots[index]
                if slot == 0 { return .missing(slot: index, hash: hash) }
                if slot >> positionBits == tag {
                    let entry = Int(slot & mask) - 1
                    if entries[entry].key == key { return .found(entry: entry) }
                }
                index += 1
                if index == slots.count { index = 0 }
            }
        }
    }

    subscript(key: String) -> Value? {
        if case .found(let entry) = probe(key) { return entries[entry].value }
        return nil
    }

    /// The value of entry `entry` (from `probe`), changed in place.
    subscript(entry entry: Int) -> Value {
        get { entries[entry].value }
        _modify { yield &entries[entry].value }
    }

    /// Adds `key` (which `probe` just reported missing) with `value`.
    mutating func add(_ key: String, _ value: Value, at probe: Probe) {
        guard case .missing(var slot, let hash) = probe else { preconditionFailure("the key is already in the table") }
        if (entries.count + 1) * 20 > slots.count * 17 {
            // Past a load of 0.85 probes get long: grow the index to a load of 0.5, and the entries alike.
            reserve(max(16, (entries.count + 1) * 3 / 2))
            guard case .missing(let moved, _) = self.probe(key) else { preconditionFailure("the key is already in the table") }
            slot = moved
        }
        entries.append(Entry(key: key, value: value))
        slots[slot] = tag(of: hash) << positionBits | UInt32(entries.count)
    }

    /// Makes room for `count` entries in all: the entries exactly, the index at a load of 0.75.
    mutating func reserve(_ count: Int) {
        let slotCount = max(16, count * 4 / 3 + 1)
        guard slotCount > slots.count else { return }
        entries.reserveCapacity(count)
        rebuild(slotCount: slotCount)
    }

    private mutating func rebuild(slotCount: Int) {
        precondition(slotCount < 1 << 31, "route table too large")
        positionBits = UInt32(Int.bitWidth - slotCount.leadingZeroBitCount)
        var fresh = [UInt32](repeating: 0, count: slotCount)
        for (position, entry) in entries.enumerated() {
            let hash = Self.hash(entry.key)
            var index = Self.home(of: hash, slotCount: slotCount)
            while fresh[index] != 0 {
                index += 1
                if index == slotCount { index = 0 }
            }
            fresh[index] = tag(of: hash) << positionBits | UInt32(position + 1)
        }
        slots = fresh
    }

    @inline(__always) private static func home(of hash: UInt64, slotCount: Int) -> Int {
        Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(slotCount)).high)
    }

    /// The hash's low bits (the home slot comes from its high bits).
    @inline(__always) private func tag(of hash: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: hash) & (UInt32.max >> positionBits)
    }

    static func hash(_ key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { RouteHash.hash(UnsafeRawBufferPointer($0)) }
    }
}

extension RouteTable: Equatable {
    /// The same keys with the same values, in any order.
    static func == (a: RouteTable, b: RouteTable) -> Bool {
        a.count == b.count && a.entries.allSatisfy { b[$0.key] == $0.value }
    }
}

/// A seeded multiply-and-fold hash over bytes (after wyhash): a few cycles for the short keys the router
/// holds, against SipHash's tens. Good enough spread for a table whose matches are always confirmed.
enum RouteHash {
    static let seed = UInt64.random(in: 0...UInt64.max)

    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var state = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        var offset = 0
        while offset + 8 <= bytes.count {
            state = mix(state ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)), 0xA076_1D64_78BD_642F)
            offset += 8
        }
        var tail: UInt64 = 0
        for index in offset..<bytes.count { tail |= UInt64(bytes[index]) << (8 * UInt64(index - offset)) }
        state = mix(state ^ tail, 0xE703_7ED1_A0B4_28DB)
        return mix(state, 0x8EBC_6AF0_9C88_C6E3)
    }

    @inline(__always) private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }
}
