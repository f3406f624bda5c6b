/// Byte layout of snapshot files (docs/formats.md is the normative description).
///
/// A snapshot file is a standard LZ4 stream of two frames:
/// 1. a skippable frame: magic 0x184D2A50 (u32 LE), size 64 (u32 LE), then the 64-byte header:
///    0 "NNSNAP01" · 8 version u32 · 12 header length u32 · 16 covered sequence u64 · 24 entity count u64 ·
///    32 created (ns since epoch) i64 · 40 body layout u32 · 44..59 zero · 60 CRC32C of bytes 0..<60;
/// 2. one LZ4 frame (block checksums and content checksum on) whose content is the body: entities,
///    each `payload length u32 · kind u16 · flags u16 (0) · sequence u64 · payload`.
public enum SnapshotFormat {
    public static let skippableMagic: UInt32 = 0x184D_2A50
    public static let magic: [UInt8] = Array("NNSNAP01".utf8)
    public static let version: UInt32 = 1
    public static let bodyLayout: UInt32 = 1
    public static let headerSize = 64
    /// Skippable frame magic + size, then the header.
    public static let headerFrameSize = 8 + headerSize
    public static let entityHeaderSize = 16
    public static let suffix = ".snap"
    public static let temporarySuffix = ".snap.tmp"
    /// Larger entity lengths are corruption on sight.
    public static let maxEntityBytes = 64 << 20

    public struct Header: Equatable, Sendable {
        public var sequence: UInt64
        public var entityCount: UInt64
        public var createdNanos: Int64

        public init(sequence: UInt64, entityCount: UInt64, createdNanos: Int64) {
            self.sequence = sequence
            self.entityCount = entityCount
            self.createdNanos = createdNanos
        }

        /// The skippable frame that carries the header (72 bytes).
        public func encodedFrame() -> [UInt8] {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(SnapshotFormat.headerFrameSize)
            bytes.appendLittleEndian(SnapshotFormat.skippableMagic)
            bytes.appendLittleEndian(UInt32(SnapshotFormat.headerSize))
            bytes.append(contentsOf: SnapshotFormat.magic)
            bytes.appendLittleEndian(SnapshotFormat.version)
            bytes.appendLittleEndian(UInt32(SnapshotFormat.headerSize))
            bytes.appendLittleEndian(sequence)
            bytes.appendLittleEndian(entityCount)
            bytes.appendLittleEndian(createdNanos)
            bytes.appendLittleEndian(SnapshotFormat.bodyLayout)
            bytes.append(contentsOf: repeatElement(0, count: 8 + 60 - bytes.count))
            let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[8..<68])) }
            bytes.appendLittleEndian(crc)
            return bytes
        }

        /// Decodes the header frame at the start of a file; the error says what is wrong.
        public static func decode(_ raw: UnsafeRawBufferPointer) -> Result<Header, JournalFormat.HeaderError> {
            guard raw.count >= SnapshotFormat.headerFrameSize else { return .failure(.init("file too short for a snapshot header (\(raw.count) bytes)")) }
            guard raw.loadLittleEndian(at: 0, as: UInt32.self) == SnapshotFormat.skippableMagic else { return .failure(.init("not a skippable LZ4 frame")) }
            guard raw.loadLittleEndian(at: 4, as: UInt32.self) == UInt32(SnapshotFormat.headerSize) else { return .failure(.init("unexpected header frame size")) }
            let header = UnsafeRawBufferPointer(rebasing: raw[8..<(8 + SnapshotFormat.headerSize)])
            guard header.prefix(8).elementsEqual(SnapshotFormat.magic) else { return .failure(.init("bad snapshot magic")) }
            guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: header[0..<60])) == header.loadLittleEndian(at: 60, as: UInt32.self) else {
                return .failure(.init("snapshot header checksum mismatch"))
            }
            let version: UInt32 = header.loadLittleEndian(at: 8)
            guard version == SnapshotFormat.version else { return .failure(.init("unsupported snapshot version \(version)")) }
            let layout: UInt32 = header.loadLittleEndian(at: 40)
            guard layout == SnapshotFormat.bodyLayout else { return .failure(.init("unsupported body layout \(layout)")) }
            return .success(Header(sequence: header.loadLittleEndian(at: 16), entityCount: header.loadLittleEndian(at: 24),
                                   createdNanos: header.loadLittleEndian(at: 32)))
        }
    }
}

/// One entity as read from a snapshot; the payload is valid only inside the closure that receives it.
public struct SnapshotEntityView {
    public let kind: UInt16
    /// The last journal sequence this entity reflects.
    public let sequence: UInt64
    public let payload: UnsafeRawBufferPointer
}
