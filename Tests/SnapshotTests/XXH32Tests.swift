import CSystemShim
import Testing

/// XXH32, the LZ4 frame checksum, against values from the reference implementation (python-xxhash), one shot
/// and streamed in every split: a wrong checksum would make every LZ4 decoder reject our snapshots.
@Suite struct XXH32Tests {
    static let vectors: [(input: [UInt8], seed: UInt32, hash: UInt32)] = [
        ([], 0, 0x02CC_5D05),
        (Array("a".utf8), 0, 0x550D_7456),
        (Array("abc".utf8), 0, 0x32D1_53FF),
        (Array("abc".utf8), 1, 0xAA3D_A8FF),
        (Array("0123456789abcde".utf8), 0, 0x1DBD_FA0F),
        (Array("0123456789abcdef".utf8), 0, 0xC2C4_5B69),
        (Array("Nobody inspects the spammish repetition".utf8), 0, 0xE229_3B2F),
        (Array((0..<768).map { UInt8($0 % 256) }), 0, 0xCDB9_46B1),
    ]

    @Test func oneShotMatchesTheReference() {
        for vector in Self.vectors {
            #expect(vector.input.withUnsafeBytes { nn_xxh32($0.baseAddress, $0.count, vector.seed) } == vector.hash, "\(vector.input.count) bytes")
        }
    }

    @Test func streamingInAnySplitMatchesOneShot() {
        for vector in Self.vectors {
            for split in 0...vector.input.count where split < 40 || split % 97 == 0 {
                var state = nn_xxh32_state()
                nn_xxh32_reset(&state, vector.seed)
                vector.input.withUnsafeBytes { raw in
                    nn_xxh32_update(&state, raw.baseAddress, split)
                    var rest = split
                    // The tail in uneven pieces (1, 2, 3 ... bytes).
                    var piece = 1
                    while rest < raw.count {
                        let length = min(piece, raw.count - rest)
                        nn_xxh32_update(&state, raw.baseAddress! + rest, length)
                        rest += length
                        piece += 1
                    }
                }
                #expect(nn_xxh32_digest(&state) == vector.hash, "\(vector.input.count) bytes split at \(split)")
            }
        }
    }
}
