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
