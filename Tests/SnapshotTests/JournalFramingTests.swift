import TestSupport
import Testing
import Snapshot

/// Builds a segment image in memory: header, then records framed by `JournalFormat.appendRecord`.
private func segmentImage(firstSequence: UInt64, salt: UInt64, records: [JournalRecord]) -> [UInt8] {
    var bytes = JournalFormat.SegmentHeader(firstSequence: firstSequence, salt: salt, createdNanos: 1_234_567_890).encoded()
    let seed = JournalFormat.saltSeed(salt)
    for record in records {
        record.payload.withUnsafeBytes { payload in
            JournalFormat.appendRecord(to: &bytes, saltSeed: seed, sequence: record.sequence, time: record.time,
                                       kind: record.kind, payload: payload)
        }
    }
    return bytes
}

private func scanAll(_ bytes: [UInt8], maxRecordBytes: Int = JournalFormat.absoluteMaxRecordBytes)
    -> (scan: JournalSegmentScan, records: [JournalRecord], offsets: [Int]) {
    var records: [JournalRecord] = []
    var offsets: [Int] = []
    let scan = bytes.withUnsafeBytes { raw in
        JournalSegmentScanner.scan(raw, maxRecordBytes: maxRecordBytes) { view in
            records.append(JournalRecord(view))
            offsets.append(view.offset)
        }
    }
    return (scan, records, offsets)
}

private func load<T: FixedWidthInteger>(_ bytes: [UInt8], _ offset: Int, as: T.Type) -> T {
    bytes.withUnsafeBytes { $0.loadLittleEndian(at: offset, as: T.self) }
}

@Suite("Journal framing")
struct JournalFramingTests {
    @Test("records round-trip through appendRecord and the scanner, empty and large payloads included")
    func recordRoundTrip() {
        var rng = SplitMix64(seed: 7)
        let sizes = [0, 1, 2, 27, 28, 29, 255, 4096, 0, 100_000, 1 << 20, 3]
        var records: [JournalRecord] = []
        for (index, size) in sizes.enumerated() {
            records.append(JournalRecord(sequence: 500 + UInt64(index), time: index == 3 ? Int64.min : (index == 5 ? Int64.max : Int64(index) * -7_777),
                                         kind: index == 4 ? UInt16.max : UInt16(index), payload: randomBytes(size, using: &rng)))
        }
        let bytes = segmentImage(firstSequence: 500, salt: 0xDEAD_BEEF_0BAD_F00D, records: records)
        #expect(bytes.count == JournalFormat.segmentHeaderSize + sizes.reduce(0) { $0 + JournalFormat.encodedSize(payloadCount: $1) })

        let (scan, scanned, offsets) = scanAll(bytes)
        #expect(scan.problem == nil)
        #expect(scan.header == JournalFormat.SegmentHeader(firstSequence: 500, salt: 0xDEAD_BEEF_0BAD_F00D, createdNanos: 1_234_567_890))
        #expect(scan.recordCount == records.count)
        #expect(scan.validEnd == bytes.count)
        #expect(scan.lastSequence == 500 + UInt64(records.count) - 1)
        #expect(scanned == records)
        var expectedOffset = JournalFormat.segmentHeaderSize
        for (index, offset) in offsets.enumerated() {
            #expect(offset == expectedOffset, "record \(index)")
            expectedOffset += JournalFormat.encodedSize(payloadCount: records[index].payload.count)
        }
    }

    @Test("record bytes follow the documented layout and checksum")
    func recordLayout() {
        let salt: UInt64 = 0x0102_0304_0506_0708
        let payload: [UInt8] = [9, 8, 7, 6, 5]
        var buffer: [UInt8] = [0xAA, 0xBB]  // appendRecord must append after existing bytes
        payload.withUnsafeBytes {
            JournalFormat.appendRecord(to: &buffer, saltSeed: JournalFormat.saltSeed(salt), sequence: 0x1122_3344_5566_7788,
                                       time: -2, kind: 0xBEEF, payload: $0)
        }
        #expect(buffer.count == 2 + 28 + 5)
        #expect(Array(buffer[0..<2]) == [0xAA, 0xBB])
        let record = Array(buffer[2...])
        #expect(load(record, 0, as: UInt32.self) == 5)
        #expect(load(record, 8, as: UInt64.self) == 0x1122_3344_5566_7788)
        #expect(load(record, 16, as: Int64.self) == -2)
        #expect(load(record, 24, as: UInt16.self) == 0xBEEF)
        #expect(load(record, 26, as: UInt16.self) == 0)
        #expect(Array(record[28...]) == payload)
        // CRC32C over salt (LE), bytes 0..<4, then bytes 8..<end — computed here independently.
        var covered: [UInt8] = []
        covered.appendLittleEndian(salt)
        covered += record[0..<4]
        covered += record[8...]
        #expect(load(record, 4, as: UInt32.self) == CRC32C.portableChecksum(covered))
        #expect(JournalFormat.encodedSize(payloadCount: 5) == 33)
    }

    @Test("segment header encodes the documented layout and decodes back")
    func segmentHeaderRoundTrip() throws {
        let header = JournalFormat.SegmentHeader(firstSequence: 0xFFFF_FFFF_0000_0001, salt: 0x8000_0000_0000_0001, createdNanos: -5)
        let bytes = header.encoded()
        #expect(bytes.count == JournalFormat.segmentHeaderSize)
        #expect(Array(bytes[0..<8]) == Array("NNJRNL01".utf8))
        #expect(load(bytes, 8, as: UInt32.self) == JournalFormat.version)
        #expect(load(bytes, 12, as: UInt32.self) == 64)
        #expect(load(bytes, 16, as: UInt64.self) == header.firstSequence)
        #expect(load(bytes, 24, as: UInt64.self) == header.salt)
        #expect(load(bytes, 32, as: Int64.self) == -5)
        #expect(bytes[40..<60].allSatisfy { $0 == 0 })
        #expect(load(bytes, 60, as: UInt32.self) == CRC32C.portableChecksum(Array(bytes[0..<60])))

        let decoded = bytes.withUnsafeBytes { JournalFormat.SegmentHeader.decode($0) }
        #expect(try decoded.get() == header)
        // Extra bytes after the header (records) do not matter.
        let longer = bytes + [1, 2, 3]
        #expect(try longer.withUnsafeBytes { JournalFormat.SegmentHeader.decode($0) }.get() == header)
    }

    @Test("bad magic, bad checksum, truncation, version and size are all rejected")
    func segmentHeaderRejections() {
        let good = JournalFormat.SegmentHeader(firstSequence: 1, salt: 99, createdNanos: 3).encoded()
        func reason(_ bytes: [UInt8]) -> String? {
            switch bytes.withUnsafeBytes({ JournalFormat.SegmentHeader.decode($0) }) {
            case .success: return nil
            case .failure(let error): return error.reason
            }
        }
        var badMagic = good
        badMagic[3] ^= 0x20
        #expect(reason(badMagic)?.contains("magic") == true)

        var badCRC = good
        badCRC[20] ^= 0x01
        #expect(reason(badCRC)?.contains("checksum") == true)

        var badStoredCRC = good
        badStoredCRC[62] ^= 0x80
        #expect(reason(badStoredCRC)?.contains("checksum") == true)

        for length in 0..<JournalFormat.segmentHeaderSize {
            #expect(reason(Array(good[0..<length])) != nil, "header cut to \(length) bytes")
        }

        // Every single-bit flip anywhere in the header is caught.
        for bit in 0..<(JournalFormat.segmentHeaderSize * 8) {
            var flipped = good
            flipped[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(reason(flipped) != nil, "bit \(bit) flipped")
        }

        // A consistent checksum does not make a wrong version or header size acceptable.
        func resealed(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
            var bytes = good
            change(&bytes)
            bytes.storeLittleEndian(CRC32C.checksum(Array(bytes[0..<60])), at: 60)
            return bytes
        }
        #expect(reason(resealed { $0.storeLittleEndian(UInt32(2), at: 8) })?.contains("version") == true)
        #expect(reason(resealed { $0.storeLittleEndian(UInt32(128), at: 12) })?.contains("size") == true)
    }

    @Test("the scanner reports where and why the valid prefix ends")
    func scannerProblems() {
        let records = (1...5).map { JournalRecord(sequence: UInt64($0), time: 10, kind: 1, payload: Array(repeating: UInt8($0), count: $0 * 3)) }
        let image = segmentImage(firstSequence: 1, salt: 5, records: records)
        let offsets = scanAll(image).offsets
        #expect(offsets.count == 5)

        // Records framed with another segment's salt never validate.
        let foreign = segmentImage(firstSequence: 1, salt: 6, records: records)
        let mixed = Array(image[0..<64]) + foreign[64...]
        var result = scanAll(mixed)
        #expect(result.records.isEmpty)
        #expect(result.scan.problem?.offset == 64)
        #expect(result.scan.problem?.reason.contains("checksum") == true)

        // A zero-filled region after the records (preallocation) is not a record.
        result = scanAll(image + [UInt8](repeating: 0, count: 200))
        #expect(result.records == records)
        #expect(result.scan.validEnd == image.count)
        #expect(result.scan.problem?.offset == image.count)
        #expect(result.scan.problem?.validRecordAfter == nil)

        // A partial record header at the end.
        result = scanAll(image + [1, 0, 0])
        #expect(result.scan.problem?.offset == image.count)
        #expect(result.scan.problem?.reason.contains("truncated") == true)

        // Sequence continuity: a valid frame with the wrong sequence.
        var skipped = records
        skipped[2].sequence = 9
        result = scanAll(segmentImage(firstSequence: 1, salt: 5, records: skipped))
        #expect(result.records == Array(records[0..<2]))
        #expect(result.scan.problem?.offset == offsets[2])
        #expect(result.scan.problem?.reason.contains("sequence") == true)

        // Header first sequence must match the records.
        result = scanAll(segmentImage(firstSequence: 2, salt: 5, records: records))
        #expect(result.records.isEmpty)
        #expect(result.scan.problem?.offset == 64)

        // Unknown flags with a correct checksum are refused.
        var flagged = image
        flagged.storeLittleEndian(UInt16(1), at: offsets[1] + 26)
        let crc = flagged.withUnsafeBytes { raw -> UInt32 in
            let seed = JournalFormat.saltSeed(5)
            let start = offsets[1], end = offsets[2]
            let head = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[start..<(start + 4)]), continuing: seed)
            return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[(start + 8)..<end]), continuing: head)
        }
        flagged.storeLittleEndian(crc, at: offsets[1] + 4)
        result = scanAll(flagged)
        #expect(result.records == [records[0]])
        #expect(result.scan.problem?.offset == offsets[1])
        #expect(result.scan.problem?.reason.contains("flags") == true)
        #expect(result.scan.problem?.validRecordAfter == offsets[2])

        // A record longer than the configured limit is impossible.
        result = scanAll(image, maxRecordBytes: 8)
        #expect(result.records == Array(records[0..<2]))
        #expect(result.scan.problem?.offset == offsets[2])
        #expect(result.scan.problem?.reason.contains("impossible") == true)

        // An empty segment (header only) is valid and ends one before its first sequence.
        result = scanAll(segmentImage(firstSequence: 77, salt: 1, records: []))
        #expect(result.scan.problem == nil)
        #expect(result.scan.recordCount == 0)
        #expect(result.scan.lastSequence == 76)
        #expect(result.scan.validEnd == 64)
    }
}
