import TestSupport
import Testing
import Snapshot

/// Bit-at-a-time reference CRC32C (reflected, polynomial 0x82F63B78), independent of the shim's tables.
private func referenceCRC32C(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
    var c = ~crc
    for byte in bytes {
        c ^= UInt32(byte)
        for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
    }
    return ~c
}

@Suite("CRC32C")
struct CRC32CTests {
    @Test("known vectors (RFC 3720 and the check value)")
    func knownVectors() {
        let vectors: [([UInt8], UInt32)] = [
            (Array("123456789".utf8), 0xE306_9283),
            ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
            ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
            ((0..<32).map { UInt8($0) }, 0x46DD_794E),
            ((0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
            ([], 0),
        ]
        for (bytes, expected) in vectors {
            #expect(CRC32C.checksum(bytes) == expected, "checksum of \(bytes.count) bytes")
            #expect(CRC32C.portableChecksum(bytes) == expected, "portable checksum of \(bytes.count) bytes")
            #expect(referenceCRC32C(bytes) == expected, "reference checksum of \(bytes.count) bytes")
        }
    }

    @Test("chaining equals one shot, at every split point")
    func chaining() {
        var rng = SplitMix64(seed: 0xC4C3)
        for length in [0, 1, 7, 8, 9, 63, 200, 1500, 3072, 3073, 7000] {
            let bytes = randomBytes(length, using: &rng)
            let whole = CRC32C.checksum(bytes)
            #expect(whole == referenceCRC32C(bytes))
            let splits = length <= 200 ? Array(0...length) : [0, 1, length / 3, length / 2, length - 1, length, 1024, 3072].filter { $0 <= length }
            for split in splits {
                let head = Array(bytes[..<split])
                let tail = Array(bytes[split...])
                #expect(CRC32C.checksum(tail, continuing: CRC32C.checksum(head)) == whole, "length \(length) split at \(split)")
                #expect(CRC32C.portableChecksum(tail, continuing: CRC32C.portableChecksum(head)) == whole,
                        "portable, length \(length) split at \(split)")
            }
            // Three pieces through the raw-buffer entry point.
            if length >= 3 {
                let a = length / 3, b = 2 * length / 3
                let chained = bytes.withUnsafeBytes { raw -> UInt32 in
                    var crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<a]))
                    crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[a..<b]), continuing: crc)
                    return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[b...]), continuing: crc)
                }
                #expect(chained == whole, "three pieces of \(length)")
            }
        }
    }

    @Test("hardware path equals the portable and reference paths on random buffers")
    func hardwareMatchesPortable() {
        #if arch(x86_64)
        // Otherwise both sides would run the portable code and the comparison would prove nothing.
        #expect(CRC32C.isHardwareAccelerated, "no SSE4.2 CRC32C on this x86-64 CPU")
        #endif
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SplitMix64(seed: seed)
        var lengths = Array(0...300)
        lengths += [511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, 3071, 3072, 3073, 3075, 3079, 3080,
                    4095, 4096, 4097, 6143, 6144, 6145, 6151, 9216, 9217, 9223, 10_000, 10_001, 12_289, 65_537]
        for _ in 0..<40 { lengths.append(Int(rng.next() % 20_000)) }
        for length in lengths {
            // One spare byte in front so the buffer is checked at an odd address too.
            let storage = randomBytes(length + 1, using: &rng)
            let start = CRC32C.checksum(randomBytes(4, using: &rng))
            for misalignment in [0, 1] {
                let bytes = Array(storage[misalignment..<(misalignment + length)])
                let portable = CRC32C.portableChecksum(bytes)
                let fast = storage.withUnsafeBytes { raw in
                    CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[misalignment..<(misalignment + length)]))
                }
                #expect(fast == portable, "length \(length), misaligned by \(misalignment), seed \(seed)")
                let fastContinued = storage.withUnsafeBytes { raw in
                    CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[misalignment..<(misalignment + length)]), continuing: start)
                }
                #expect(fastContinued == CRC32C.portableChecksum(bytes, continuing: start),
                        "continued, length \(length), misaligned by \(misalignment), seed \(seed)")
                if length <= 4096 || length % 7 == 0 {
                    #expect(portable == referenceCRC32C(bytes), "portable vs reference, length \(length), seed \(seed)")
                }
            }
        }
        // Long inputs must not be "equal" just because both paths run the same code.
        let long = randomBytes(3 * 1024 * 4 + 5, using: &rng)
        #expect(CRC32C.checksum(long) == referenceCRC32C(long), "seed \(seed)")
    }

    @Test("a single flipped bit always changes the checksum")
    func detectsSingleBitFlips() {
        var rng = SplitMix64(seed: 42)
        let bytes = randomBytes(5000, using: &rng)
        let original = CRC32C.checksum(bytes)
        for bit in stride(from: 0, to: bytes.count * 8, by: 37) {
            var damaged = bytes
            damaged[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(CRC32C.checksum(damaged) != original, "bit \(bit)")
        }
    }
}
