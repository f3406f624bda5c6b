/// Walks the records of one segment held in memory, checking each frame, and says where
/// (and why) the valid prefix ends. Pure: it reads bytes and reports; callers decide what a problem means.
public struct JournalSegmentScan: Sendable {
    public var header: JournalFormat.SegmentHeader?
    /// Offset just past the last valid record (the header size when there is none).
    public var validEnd: Int
    public var recordCount: Int
    /// The last valid sequence, or `header.firstSequence - 1` when there is no record.
    public var lastSequence: UInt64
    /// The first problem, if the valid prefix does not reach the end of the bytes.
    public var problem: Problem?

    public struct Problem: Sendable, Equatable {
        public var offset: Int
        public var reason: String
        /// A frame that validates lies after the problem: this is not a torn tail.
        public var validRecordAfter: Int?
    }
}

public enum JournalSegmentScanner {
    /// Scans `bytes` (a whole segment file). `visit` sees each valid record in order; a throw from it stops the scan.
    public static func scan(_ bytes: UnsafeRawBufferPointer, maxRecordBytes: Int) -> JournalSegmentScan {
        scan(bytes, maxRecordBytes: maxRecordBytes) { _ in }
    }

    public static func scan(_ bytes: UnsafeRawBufferPointer, maxRecordBytes: Int,
                            visit: (JournalRecordView) throws -> Void) rethrows -> JournalSegmentScan {
        let header: JournalFormat.SegmentHeader
        switch JournalFormat.SegmentHeader.decode(bytes) {
        case .success(let decoded): header = decoded
        case .failure(let error):
            return JournalSegmentScan(header: nil, validEnd: 0, recordCount: 0, lastSequence: 0,
                                      problem: .init(offset: 0, reason: error.reason, validRecordAfter: nil))
        }
        let seed = JournalFormat.saltSeed(header.salt)
        let limit = min(maxRecordBytes, JournalFormat.absoluteMaxRecordBytes)
        var offset = JournalFormat.segmentHeaderSize
        var expected = header.firstSequence
        var count = 0
        var problem: JournalSegmentScan.Problem?
        while offset < bytes.count {
            switch checkRecord(bytes, at: offset, seed: seed, expected: expected, limit: limit) {
            case .valid(let length, let time, let kind):
                let payloadStart = offset + JournalFormat.recordHeaderSize
                try visit(JournalRecordView(sequence: expected, time: time, kind: kind,
                                            payload: UnsafeRawBufferPointer(rebasing: bytes[payloadStart..<(payloadStart + length)]),
                                            offset: offset))
                offset += JournalFormat.recordHeaderSize + length
                expected += 1
                count += 1
            case .invalid(let reason):
                let after = findValidRecord(bytes, after: offset, seed: seed, minimumSequence: expected, limit: limit)
                problem = .init(offset: offset, reason: reason, validRecordAfter: after)
            }
            if problem != nil { break }
        }
        return JournalSegmentScan(header: header, validEnd: offset, recordCount: count,
                                  lastSequence: expected &- 1, problem: problem)
    }

    enum Check {
        case valid(length: Int, time: Int64, kind: UInt16)
        case invalid(String)
    }

    /// Checks the frame at `offset`. The length is judged before anything else is read or allocated.
    static func checkRecord(_ bytes: UnsafeRawBufferPointer, at offset: Int, seed: UInt32, expected: UInt64, limit: Int) -> Check {
        let remaining = bytes.count - offset
        if remaining < JournalFormat.recordHeaderSize {
            return .invalid("truncated record header (\(remaining) of \(JournalFormat.recordHeaderSize) bytes)")
        }
        let length = Int(bytes.loadLittleEndian(at: offset, as: UInt32.self))
        if length > limit {
            return .invalid("impossible record length \(length) (limit \(limit))")
        }
        if length > remaining - JournalFormat.recordHeaderSize {
            return .invalid("record of \(length) bytes extends past the end of the file")
        }
        let stored: UInt32 = bytes.loadLittleEndian(at: offset + 4)
        let lengthCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 4)]), continuing: seed)
        let end = offset + JournalFormat.recordHeaderSize + length
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[(offset + 8)..<end]), continuing: lengthCRC)
        if crc != stored { return .invalid("checksum mismatch") }
        let sequence: UInt64 = bytes.loadLittleEndian(at: offset + 8)
        if sequence != expected { return .invalid("sequence \(sequence) where \(expected) was expected") }
        let flags: UInt16 = bytes.loadLittleEndian(at: offset + 26)
        if flags != 0 { return .invalid("unknown record flags \(flags)") }
        return .valid(length: length, time: bytes.loadLittleEndian(at: offset + 16), kind: bytes.loadLittleEndian(at: offset + 24))
    }

    /// Looks for any offset after `offset` where a frame with a plausible sequence validates.
    /// Only run past a problem, to tell a torn tail (nothing valid after) from corruption in the middle.
    static func findValidRecord(_ bytes: UnsafeRawBufferPointer, after offset: Int, seed: UInt32, minimumSequence: UInt64, limit: Int) -> Int? {
        var candidate = offset + 1
        let lastStart = bytes.count - JournalFormat.recordHeaderSize
        while candidate <= lastStart {
            let length = Int(bytes.loadLittleEndian(at: candidate, as: UInt32.self))
            if length <= limit && length <= lastStart - candidate {
                let sequence: UInt64 = bytes.loadLittleEndian(at: candidate + 8)
                if sequence >= minimumSequence && sequence - minimumSequence < (1 << 40) {
                    let stored: UInt32 = bytes.loadLittleEndian(at: candidate + 4)
                    let lengthCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[candidate..<(candidate + 4)]), continuing: seed)
                    let end = candidate + JournalFormat.recordHeaderSize + length
                    if CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[(candidate + 8)..<end]), continuing: lengthCRC) == stored {
                        return candidate
                    }
                }
            }
            candidate += 1
        }
        return nil
    }
}
