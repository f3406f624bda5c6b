/// Byte layout of journal segments and records (docs/formats.md is the normative description).
///
/// Segment header, 64 bytes:
///   0 magic "NNJRNL01" · 8 version u32 · 12 header length u32 · 16 first sequence u64 ·
///   24 salt u64 · 32 created (ns since epoch) i64 · 40..59 zero · 60 CRC32C of bytes 0..<60.
/// Record, 28-byte header then payload:
///   0 payload length u32 · 4 CRC32C · 8 sequence u64 · 16 time (ns since epoch) i64 · 24 kind u16 · 26 flags u16 (0)
/// The record CRC32C covers the segment salt (8 bytes LE), then bytes 0..<4 and 8..<28+length of the record,
/// so bytes left from another segment or a preallocated zero region never validate.
public enum JournalFormat {
    public static let magic: [UInt8] = Array("NNJRNL01".utf8)
    public static let version: UInt32 = 1
    public static let segmentHeaderSize = 64
    public static let recordHeaderSize = 28
    public static let segmentSuffix = ".log"
    /// No configuration may allow records larger than this; a length above it is impossible on sight.
    public static let absoluteMaxRecordBytes = 64 << 20

    public struct SegmentHeader: Equatable, Sendable {
        public var firstSequence: UInt64
        public var salt: UInt64
        public var createdNanos: Int64

        public init(firstSequence: UInt64, salt: UInt64, createdNanos: Int64) {
            self.firstSequence = firstSequence
            self.salt = salt
            self.createdNanos = createdNanos
        }

        public func encoded() -> [UInt8] {
            var bytes = JournalFormat.magic
            bytes.reserveCapacity(JournalFormat.segmentHeaderSize)
            bytes.appendLittleEndian(JournalFormat.version)
            bytes.appendLittleEndian(UInt32(JournalFormat.segmentHeaderSize))
            bytes.appendLittleEndian(firstSequence)
            bytes.appendLittleEndian(salt)
            bytes.appendLittleEndian(createdNanos)
            bytes.append(contentsOf: repeatElement(0, count: 60 - bytes.count))
            bytes.appendLittleEndian(CRC32C.checksum(bytes))
            return bytes
        }

        /// Decodes and checks a header; the error string says what is wrong.
        public static func decode(_ raw: UnsafeRawBufferPointer) -> Result<SegmentHeader, HeaderError> {
            guard raw.count >= JournalFormat.segmentHeaderSize else { return .failure(.init("segment header is truncated (\(raw.count) bytes)")) }
            guard raw.prefix(8).elementsEqual(JournalFormat.magic) else { return .failure(.init("bad segment magic")) }
            let stored: UInt32 = raw.loadLittleEndian(at: 60)
            guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<60])) == stored else {
                return .failure(.init("segment header checksum mismatch"))
            }
            let version: UInt32 = raw.loadLittleEndian(at: 8)
            guard version == JournalFormat.version else { return .failure(.init("unsupported segment version \(version)")) }
            let headerSize: UInt32 = raw.loadLittleEndian(at: 12)
            guard headerSize == UInt32(JournalFormat.segmentHeaderSize) else { return .failure(.init("unexpected header size \(headerSize)")) }
            return .success(SegmentHeader(firstSequence: raw.loadLittleEndian(at: 16),
                                          salt: raw.loadLittleEndian(at: 24),
                                          createdNanos: raw.loadLittleEndian(at: 32)))
        }
    }

    public struct HeaderError: Error, Sendable {
        public let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// The CRC32C state after the 8 salt bytes; every record of a segment continues from it.
    public static func saltSeed(_ salt: UInt64) -> UInt32 {
        withUnsafeBytes(of: salt.littleEndian) { CRC32C.checksum($0) }
    }

    /// Appends one framed record to `buffer`.
    @inlinable
    public static func appendRecord(to buffer: inout [UInt8], saltSeed: UInt32, sequence: UInt64, time: Int64, kind: UInt16,
                                    payload: UnsafeRawBufferPointer) {
        let start = buffer.count
        buffer.appendLittleEndian(UInt32(payload.count))
        buffer.appendLittleEndian(UInt32(0))
        buffer.appendLittleEndian(sequence)
        buffer.appendLittleEndian(time)
        buffer.appendLittleEndian(kind)
        buffer.appendLittleEndian(UInt16(0))
        buffer.append(contentsOf: payload)
        let crc = buffer.withUnsafeBytes { raw -> UInt32 in
            let lengthCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[start..<start + 4]), continuing: saltSeed)
            return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[(start + 8)...]), continuing: lengthCRC)
        }
        buffer.storeLittleEndian(crc, at: start + 4)
    }

    public static func encodedSize(payloadCount: Int) -> Int { recordHeaderSize + payloadCount }
}

/// One record as read from disk. The payload points into the reader's buffer and is valid only
/// inside the closure that receives it.
public struct JournalRecordView {
    public let sequence: UInt64
    public let time: Int64
    public let kind: UInt16
    public let payload: UnsafeRawBufferPointer
    /// Byte offset of the record in its segment file.
    public let offset: Int
}

/// An owned copy of a record, for callers that keep records around (tests, tools).
public struct JournalRecord: Equatable, Sendable {
    public var sequence: UInt64
    public var time: Int64
    public var kind: UInt16
    public var payload: [UInt8]

    public init(sequence: UInt64, time: Int64, kind: UInt16, payload: [UInt8]) {
        self.sequence = sequence
        self.time = time
        self.kind = kind
        self.payload = payload
    }

    public init(_ view: JournalRecordView) {
        self.init(sequence: view.sequence, time: view.time, kind: view.kind, payload: Array(view.payload))
    }
}
