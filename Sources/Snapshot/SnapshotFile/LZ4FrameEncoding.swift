import CLZ4
import CSystemShim

/// The LZ4 frame format (lz4's `lz4_Frame_format.md`) as snapshots write it: independent blocks of at most
/// 4 MiB, each followed by its XXH32, and the XXH32 of the whole content at the end. Written here rather than
/// through liblz4's frame API so that blocks can be compressed on any thread and written in order: the frame
/// API compresses inside one context, on one thread. Any LZ4 frame decoder reads the result.
enum LZ4FrameEncoding {
    static let magic: UInt32 = 0x184D_2204
    static let maxBlockBytes = 4 << 20
    /// Version 01, independent blocks, block checksums, no content size, content checksum, no dictionary.
    static let flags: UInt8 = 0b0111_0100
    /// Maximum block size 4 MiB (id 7).
    static let blockDescriptor: UInt8 = 7 << 4
    /// A stored block's size field has this bit set when the block is kept uncompressed.
    static let uncompressedBit: UInt32 = 1 << 31

    /// Magic, frame descriptor and its checksum byte.
    static func frameHeader() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(magic)
        let descriptor = [flags, blockDescriptor]
        bytes += descriptor
        bytes.append(UInt8(truncatingIfNeeded: XXH32.hash(descriptor) >> 8))
        return bytes
    }

    /// End mark and content checksum.
    static func frameEnd(contentChecksum: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendLittleEndian(UInt32(0))
        bytes.appendLittleEndian(contentChecksum)
        return bytes
    }

    /// Worst-case bytes that `appendBlocks` adds for `count` bytes of content.
    static func bound(_ count: Int) -> Int {
        let blocks = (count + maxBlockBytes - 1) / maxBlockBytes
        return Int(LZ4_compressBound(Int32(min(count, maxBlockBytes)))) * max(blocks, 1) + blocks * 8
    }

    /// Compresses `content` into blocks (size, data, checksum) appended to `output`; a block that does not
    /// shrink is stored as it is.
    static func appendBlocks(of content: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        var offset = 0
        while offset < content.count {
            let length = min(maxBlockBytes, content.count - offset)
            let source = content.baseAddress! + offset
            let start = output.count
            let room = Int(LZ4_compressBound(Int32(length)))
            output.append(contentsOf: repeatElement(0, count: 4 + room))
            let produced = output.withUnsafeMutableBytes { target in
                Int(LZ4_compress_default(source.assumingMemoryBound(to: CChar.self),
                                         (target.baseAddress! + start + 4).assumingMemoryBound(to: CChar.self),
                                         Int32(length), Int32(room)))
            }
            var size: UInt32
            if produced > 0 && produced < length {
                output.removeSubrange((start + 4 + produced)...)
                size = UInt32(produced)
            } else {
                output.removeSubrange((start + 4)...)
                output.append(contentsOf: UnsafeRawBufferPointer(start: source, count: length))
                size = UInt32(length) | uncompressedBit
            }
            output.storeLittleEndian(size, at: start)
            let checksum = output.withUnsafeBytes { XXH32.hash(UnsafeRawBufferPointer(rebasing: $0[(start + 4)...])) }
            output.appendLittleEndian(checksum)
            offset += length
        }
    }
}

/// XXH32 with seed 0, in one shot or streamed.
struct XXH32 {
    private var state = nn_xxh32_state()

    init() { nn_xxh32_reset(&state, 0) }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        nn_xxh32_update(&state, bytes.baseAddress, bytes.count)
    }

    var digest: UInt32 {
        var copy = state
        return nn_xxh32_digest(&copy)
    }

    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 { nn_xxh32(bytes.baseAddress, bytes.count, 0) }

    static func hash(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { hash($0) } }
}
