import Testing
import Snapshot
#if canImport(Glibc)
import Glibc
#endif

/// Opens `directory` expecting `StorageError.corrupt`; closes the journal if it (wrongly) opens.
private func openExpectingCorruption(_ directory: String, options: JournalOptions) -> (error: StorageError?, opened: Bool, other: Error?) {
    do {
        let journal = try Journal(directory: directory, options: options)
        journal.close()
        return (nil, true, nil)
    } catch let error as StorageError {
        return (error, false, nil)
    } catch {
        return (nil, false, error)
    }
}

@Suite("Journal corruption and recovery")
struct JournalCorruptionTests {
    // MARK: Truncation

    @Test("truncating the last segment at every byte offset recovers exactly the complete records")
    func truncationAtEveryByteOffset() async throws {
        try await withTempDirectory { tmp in
            let fixture = try await JournalFixture.build(in: tmp.sub("source"), segmentBytes: 2200, count: 44)
            try #require(fixture.segments.count >= 2, "the fixture should span segments")
            let lastIndex = fixture.segments.count - 1
            let lastLocations = fixture.locations(inSegment: lastIndex)
            try #require(lastLocations.count >= 16, "the last segment should hold many records (has \(lastLocations.count))")
            #expect(lastLocations.contains { $0.record.payload.isEmpty })
            let original = try Files.read(fixture.segments[lastIndex].path)
            let earlier = fixture.locations.filter { $0.segmentIndex < lastIndex }.map(\.record)
            let boundaries = Set([JournalFormat.segmentHeaderSize] + lastLocations.map(\.end))
            let work = tmp.sub("work")
            var failing = 0

            for length in 0...original.count {
                Files.removeTree(work)
                try Files.copyTree(fixture.directory, work)
                let segmentPath = work + "/" + fixture.segments[lastIndex].name
                try Files.truncate(segmentPath, to: length)

                let tornCreation = length < JournalFormat.segmentHeaderSize
                let kept = tornCreation ? [] : lastLocations.filter { $0.end <= length }
                let cut = tornCreation ? 0 : (kept.last?.end ?? JournalFormat.segmentHeaderSize)
                let expected = earlier + kept.map(\.record)
                let atBoundary = !tornCreation && boundaries.contains(length)
                var c = CaseChecker()
                do {
                    let journal = try Journal(directory: work, options: fixture.options)
                    defer { journal.close() }
                    let report = journal.recoveryReport
                    c.check(report.lastSequence == UInt64(expected.count), "lastSequence \(report.lastSequence), expected \(expected.count)")
                    c.check(report.records == expected.count, "report.records \(report.records), expected \(expected.count)")
                    let quarantined = Files.list(work + "/quarantine")
                    if atBoundary {
                        c.check(report.truncations.isEmpty, "at a record boundary, yet truncations \(report.truncations)")
                        c.check(quarantined.isEmpty, "at a record boundary, yet quarantined \(quarantined)")
                    } else {
                        c.check(report.truncations.count == 1, "truncations \(report.truncations)")
                        if let truncation = report.truncations.first {
                            c.check(truncation.file == segmentPath, "truncation file \(truncation.file)")
                            c.check(truncation.offset == cut, "truncation offset \(truncation.offset), expected \(cut)")
                            c.check(truncation.bytes == length - cut, "truncation bytes \(truncation.bytes), expected \(length - cut)")
                            c.check(quarantined.count == 1, "quarantine holds \(quarantined)")
                            c.check(truncation.quarantinePath == work + "/quarantine/" + (quarantined.first ?? "?"),
                                    "quarantine path \(truncation.quarantinePath)")
                            let cutBytes = (try? Files.read(truncation.quarantinePath)) ?? [0xEE]
                            c.check(cutBytes == Array(original[cut..<length]), "quarantined \(cutBytes.count) bytes differ from the cut bytes")
                        }
                    }
                    if tornCreation {
                        c.check(!Files.exists(segmentPath), "a segment with a torn header is left in place")
                    } else {
                        c.check(Files.size(segmentPath) == cut, "segment size \(Files.size(segmentPath) ?? -1), expected \(cut)")
                    }
                    let (records, verification) = try readAll(work)
                    c.check(records == expected, "read back \(records.count) records, expected \(expected.count) (or content differs)")
                    c.check(verification.isIntact, "verify after recovery: \(String(describing: verification.problem))")

                    let next = Det.record(UInt64(expected.count + 1))
                    let sequence = try await journal.append(kind: next.kind, payload: next.payload, time: next.time)
                    c.check(sequence == UInt64(expected.count + 1), "append after recovery got \(sequence), expected \(expected.count + 1)")
                    journal.close()
                    let after = try readAll(work)
                    c.check(after.records == expected + [next], "after the append read back \(after.records.count) records")
                    c.check(after.verification.isIntact, "verify after append: \(String(describing: after.verification.problem))")
                } catch {
                    c.check(false, "threw \(error)")
                }
                if !report(c, label: "last segment truncated to \(length) of \(original.count) bytes", failingCases: &failing) { break }
            }
        }
    }

    @Test("a segment whose creation was torn (partial or zeroed header) is removed and the journal continues",
          arguments: [0, 1, 8, 17, 40, 59, 60, 63, -64])
    func tornSegmentCreation(headerBytes: Int) async throws {
        try await withTempDirectory { tmp in
            let fixture = try await JournalFixture.build(in: tmp.sub("journal"), segmentBytes: 1 << 20, count: 6)
            let next = UInt64(fixture.records.count + 1)
            let torn = fixture.directory + "/" + SequenceFileName.name(next, suffix: JournalFormat.segmentSuffix)
            let header = JournalFormat.SegmentHeader(firstSequence: next, salt: 42, createdNanos: 1).encoded()
            // Negative: a header-sized file of zeros (the size reached the disk, the data did not).
            let content = headerBytes >= 0 ? Array(header[0..<headerBytes]) : [UInt8](repeating: 0, count: -headerBytes)
            try Files.write(torn, content)

            let verification = try JournalDirectory.verify(fixture.directory)
            #expect(verification.problem?.file == torn)
            #expect(verification.problem?.isTornTail == true)

            let journal = try Journal(directory: fixture.directory, options: fixture.options)
            defer { journal.close() }
            #expect(journal.recoveryReport.lastSequence == UInt64(fixture.records.count))
            #expect(journal.recoveryReport.segments == 1)
            #expect(journal.recoveryReport.truncations.count == 1)
            if let truncation = journal.recoveryReport.truncations.first {
                #expect(truncation.file == torn)
                #expect(truncation.offset == 0)
                #expect(truncation.bytes == content.count)
                #expect(try Files.read(truncation.quarantinePath) == content)
            }
            #expect(!Files.exists(torn))
            let record = Det.record(next)
            #expect(try await journal.append(kind: record.kind, payload: record.payload, time: record.time) == next)
            journal.close()
            let (records, after) = try readAll(fixture.directory)
            #expect(records == fixture.records + [record])
            #expect(after.isIntact)
        }
    }

    @Test("a new journal whose first segment's creation was torn starts over at firstSequence")
    func tornFirstSegmentCreation() async throws {
        try await withTempDirectory { tmp in
            let directory = tmp.sub("journal")
            try FileSystem.createDirectory(directory)
            let first = directory + "/" + SequenceFileName.name(1, suffix: JournalFormat.segmentSuffix)
            let header = JournalFormat.SegmentHeader(firstSequence: 1, salt: 7, createdNanos: 1).encoded()
            try Files.write(first, Array(header[0..<30]))
            let journal = try Journal(directory: directory)
            defer { journal.close() }
            #expect(journal.recoveryReport.lastSequence == 0)
            #expect(journal.recoveryReport.records == 0)
            #expect(journal.recoveryReport.truncations.map(\.bytes) == [30])
            #expect(try await journal.append(kind: 1, payload: [1, 2]) == 1)
            journal.close()
            #expect(try readAll(directory).records.map(\.payload) == [[1, 2]])
            #expect(Files.size(first).map { $0 > JournalFormat.segmentHeaderSize } == true)
        }
    }

    @Test("a damaged header on a segment longer than a header is corruption, not a torn creation")
    func damagedHeaderWithData() async throws {
        try await withTempDirectory { tmp in
            let fixture = try await JournalFixture.build(in: tmp.sub("journal"), segmentBytes: 1 << 20, count: 6)
            let next = UInt64(fixture.records.count + 1)
            let path = fixture.directory + "/" + SequenceFileName.name(next, suffix: JournalFormat.segmentSuffix)
            try Files.write(path, [UInt8](repeating: 0, count: JournalFormat.segmentHeaderSize + 1))
            let before = try Files.contents(of: fixture.directory)
            let outcome = openExpectingCorruption(fixture.directory, options: fixture.options)
            #expect(outcome.error?.corruptLocation?.file == path)
            #expect(outcome.error?.corruptLocation?.offset == 0)
            #expect(try Files.contents(of: fixture.directory) == before)
        }
    }

    @Test("segment names and header sequences must agree and segments must be contiguous")
    func segmentSequenceConsistency() async throws {
        try await withTempDirectory { tmp in
            let fixture = try await JournalFixture.build(in: tmp.sub("source"), segmentBytes: 600, count: 40)
            try #require(fixture.segments.count >= 3)
            // A missing middle segment: the one after the gap is named in the error.
            let gap = tmp.sub("gap")
            try Files.copyTree(fixture.directory, gap)
            Files.removeTree(gap + "/" + fixture.segments[1].name)
            var outcome = openExpectingCorruption(gap, options: fixture.options)
            #expect(outcome.error?.corruptLocation?.file == gap + "/" + fixture.segments[2].name)
            #expect(outcome.error?.corruptLocation?.offset == 16)
            var verification = try JournalDirectory.verify(gap)
            #expect(verification.problem?.offset == 16)
            #expect(verification.problem?.isTornTail == false)

            // A segment renamed so its name disagrees with its header.
            let renamed = tmp.sub("renamed")
            try Files.copyTree(fixture.directory, renamed)
            let last = fixture.segments.last!
            let wrongName = renamed + "/" + SequenceFileName.name(last.firstSequence + 1, suffix: JournalFormat.segmentSuffix)
            #expect(Glibc.rename(renamed + "/" + last.name, wrongName) == 0)
            outcome = openExpectingCorruption(renamed, options: fixture.options)
            #expect(outcome.error?.corruptLocation?.file == wrongName)
            #expect(outcome.error?.corruptLocation?.offset == 16)
            verification = try JournalDirectory.verify(renamed)
            #expect(verification.problem?.file == wrongName)
        }
    }

    // MARK: Bit flips

    @Test("a bit flip at every byte offset is a torn tail in the last record and corruption anywhere else")
    func bitFlipAtEveryByteOffset() async throws {
        try await withTempDirectory { tmp in
            let fixture = try await JournalFixture.build(in: tmp.sub("source"), segmentBytes: 640, count: 18, maxPayload: 70)
            try #require(fixture.segments.count == 2, "expected two segments, got \(fixture.segments.count)")
            let images = try fixture.segments.map { try Files.read($0.path) }
            let lastRecord = fixture.locations.last!
            try #require(lastRecord.segmentIndex == 1)
            let work = tmp.sub("work")
            var failing = 0
            var tornCases = 0
            var corruptCases = 0

            outer: for (fileIndex, segment) in fixture.segments.enumerated() {
                for offset in 0..<images[fileIndex].count {
                    var damaged = images[fileIndex]
                    let bit = UInt8(1 << ((offset * 5) % 8))
                    damaged[offset] ^= bit
                    Files.removeTree(work)
                    try Files.copyTree(fixture.directory, work)
                    let path = work + "/" + segment.name
                    try Files.write(path, damaged)
                    let before = try Files.contents(of: work)

                    let isTorn = fileIndex == fixture.segments.count - 1 && offset >= lastRecord.offset
                    let expectedOffset: Int
                    if isTorn {
                        expectedOffset = lastRecord.offset
                    } else if offset < JournalFormat.segmentHeaderSize {
                        expectedOffset = 0
                    } else {
                        expectedOffset = fixture.locations.last { $0.segmentIndex == fileIndex && $0.offset <= offset }!.offset
                    }
                    var c = CaseChecker()
                    do {
                        // verify: same problem, nothing changed.
                        let verification = try JournalDirectory.verify(work)
                        c.check(verification.problem?.file == path, "verify names \(String(describing: verification.problem?.file))")
                        c.check(verification.problem?.offset == expectedOffset,
                                "verify offset \(String(describing: verification.problem?.offset)), expected \(expectedOffset)")
                        c.check(verification.problem?.isTornTail == isTorn, "verify isTornTail \(String(describing: verification.problem?.isTornTail))")
                        c.check(try Files.contents(of: work) == before, "verify changed files")

                        // Reading never hands out a changed record.
                        let (records, _) = try readAll(work)
                        c.check(records == Array(fixture.records.prefix(records.count)), "read returned a changed record")
                        let expectedReadable = isTorn ? fixture.records.count - 1 : fixture.locations.filter {
                            $0.segmentIndex < fileIndex || ($0.segmentIndex == fileIndex && $0.offset < expectedOffset && offset >= 64)
                        }.count
                        c.check(records.count == expectedReadable, "read returned \(records.count) records, expected \(expectedReadable)")

                        if isTorn {
                            tornCases += 1
                            let journal = try Journal(directory: work, options: fixture.options)
                            defer { journal.close() }
                            let report = journal.recoveryReport
                            c.check(report.lastSequence == UInt64(fixture.records.count - 1), "lastSequence \(report.lastSequence)")
                            c.check(report.truncations.count == 1, "truncations \(report.truncations)")
                            if let truncation = report.truncations.first {
                                c.check(truncation.file == path && truncation.offset == lastRecord.offset
                                        && truncation.bytes == damaged.count - lastRecord.offset, "truncation \(truncation)")
                                let cut = (try? Files.read(truncation.quarantinePath)) ?? []
                                c.check(cut == Array(damaged[lastRecord.offset...]), "quarantine does not hold the cut bytes")
                            }
                            journal.close()
                            let after = try readAll(work)
                            c.check(after.records == Array(fixture.records.dropLast()), "after recovery read \(after.records.count) records")
                            c.check(after.verification.isIntact, "not intact after recovery")
                        } else {
                            corruptCases += 1
                            let outcome = openExpectingCorruption(work, options: fixture.options)
                            c.check(!outcome.opened, "the journal opened over a damaged record")
                            c.check(outcome.other == nil, "threw \(String(describing: outcome.other))")
                            let location = outcome.error?.corruptLocation
                            c.check(location?.file == path && location?.offset == expectedOffset,
                                    "threw \(String(describing: outcome.error)), expected corrupt at \(path):\(expectedOffset)")
                            c.check(try Files.contents(of: work) == before, "a refused open changed files")
                        }
                    } catch {
                        c.check(false, "threw \(error)")
                    }
                    if !report(c, label: "bit \(bit) flipped at \(segment.name) offset \(offset)", failingCases: &failing) { break outer }
                }
            }
            if failing == 0 {
                #expect(tornCases > 20 && corruptCases > 500, "torn \(tornCases), corrupt \(corruptCases)")
            }
        }
    }

    // MARK: Impossible lengths

    @Test("an impossible record length before valid records is corruption and allocates nothing",
          arguments: [UInt32(0xFFFF_FFF0), 0xFFFF_FFFF, 0x8000_0000, UInt32(JournalFormat.absoluteMaxRecordBytes + 1), 5000])
    func impossibleLengthInTheMiddle(length: UInt32) async throws {
        try await withTempDirectory { tmp in
            let fixture = try await JournalFixture.build(in: tmp.sub("journal"), segmentBytes: 1 << 20, count: 12)
            let victim = fixture.locations[5]
            var bytes = try Files.read(victim.path)
            bytes.storeLittleEndian(length, at: victim.offset)
            try Files.write(victim.path, bytes)
            let before = try Files.contents(of: fixture.directory)
            let memoryBefore = residentHighWaterMarkBytes()

            let verification = try JournalDirectory.verify(fixture.directory)
            #expect(verification.problem?.file == victim.path)
            #expect(verification.problem?.offset == victim.offset)
            #expect(verification.problem?.isTornTail == false)
            let (records, _) = try readAll(fixture.directory)
            #expect(records == Array(fixture.records[0..<5]))

            var options = fixture.options
            options.maxRecordBytes = 1024
            let outcome = openExpectingCorruption(fixture.directory, options: options)
            #expect(outcome.error?.corruptLocation?.file == victim.path)
            #expect(outcome.error?.corruptLocation?.offset == victim.offset)
            #expect(try Files.contents(of: fixture.directory) == before)
            #expect(residentHighWaterMarkBytes() - memoryBefore < 512 << 20)
        }
    }

    @Test("an impossible record length at the tail is a torn tail: truncated and quarantined")
    func impossibleLengthAtTheTail() async throws {
        try await withTempDirectory { tmp in
            let fixture = try await JournalFixture.build(in: tmp.sub("journal"), segmentBytes: 1 << 20, count: 12)
            let path = fixture.segments.last!.path
            let original = try Files.read(path)
            var tail: [UInt8] = []
            tail.appendLittleEndian(UInt32(0xFFFF_FFF0))
            tail += [UInt8](repeating: 0x5A, count: 24 + 100)
            try Files.write(path, original + tail)
            let memoryBefore = residentHighWaterMarkBytes()

            let verification = try JournalDirectory.verify(fixture.directory)
            #expect(verification.problem?.offset == original.count)
            #expect(verification.problem?.isTornTail == true)

            let journal = try Journal(directory: fixture.directory, options: fixture.options)
            defer { journal.close() }
            #expect(journal.recoveryReport.lastSequence == 12)
            #expect(journal.recoveryReport.truncations.count == 1)
            if let truncation = journal.recoveryReport.truncations.first {
                #expect(truncation.offset == original.count)
                #expect(truncation.bytes == tail.count)
                #expect(try Files.read(truncation.quarantinePath) == tail)
            }
            #expect(try Files.read(path) == original)
            let record = Det.record(13)
            #expect(try await journal.append(kind: record.kind, payload: record.payload, time: record.time) == 13)
            journal.close()
            #expect(try readAll(fixture.directory).records == fixture.records + [record])
            #expect(residentHighWaterMarkBytes() - memoryBefore < 512 << 20)
        }
    }

    // MARK: Configuration changes

    /// The configured limit is a policy for new appends; a complete, checksum-valid record already on disk
    /// (and acknowledged) must not be cut off as a "torn tail" because the limit was lowered since.
    @Test("reopening with a lower maxRecordBytes never drops an acknowledged record")
    func lowerLimitDoesNotDropAcknowledgedTail() async throws {
        try await withTempDirectory { tmp in
            let directory = tmp.sub("journal")
            let journal = try Journal(directory: directory)
            _ = try await journal.append(kind: 1, payload: [1, 2, 3])
            let big = [UInt8](repeating: 0xAB, count: 2000)
            let last = try await journal.append(kind: 2, payload: big)
            journal.close()
            #expect(last == 2)

            var options = JournalOptions()
            options.maxRecordBytes = 1000
            do {
                let reopened = try Journal(directory: directory, options: options)
                defer { reopened.close() }
                // Opening is only acceptable if the acknowledged record survives.
                #expect(reopened.recoveryReport.truncations.isEmpty,
                        "acknowledged record 2 (2000 bytes) was truncated as a torn tail: \(reopened.recoveryReport.truncations)")
                #expect(reopened.recoveryReport.lastSequence == 2)
            } catch {
                // Refusing to start (naming the record) is acceptable too.
            }
            let (records, _) = try readAll(directory)
            #expect(records.map(\.sequence) == [1, 2], "acknowledged records lost from disk")
        }
    }
}
