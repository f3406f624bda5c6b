import Testing
import Snapshot
import Dispatch

private func options(segmentBytes: Int = 64 << 20, maxRecordBytes: Int = 16 << 20) -> JournalOptions {
    var options = JournalOptions()
    options.segmentBytes = segmentBytes
    options.maxRecordBytes = maxRecordBytes
    return options
}

@Suite("Journal writer")
struct JournalWriterTests {
    @Test("64 concurrent appenders get contiguous sequences, batched, with their own payloads")
    func concurrentAppends() async throws {
        try await withTempDirectory { tmp in
            let directory = tmp.sub("journal")
            let largestBatch = Locked(0)
            let batches = Locked(0)
            var opts = options(segmentBytes: 4096)
            opts.onBatch = { records, _, _ in
                largestBatch.withLock { $0 = max($0, records) }
                batches.withLock { $0 += 1 }
            }
            let journal = try Journal(directory: directory, options: opts)
            let appenders = 64, perAppender = 20
            let results = try await withThrowingTaskGroup(of: [(UInt64, [UInt8])].self) { group in
                for appender in 0..<appenders {
                    group.addTask {
                        var mine: [(UInt64, [UInt8])] = []
                        for round in 0..<perAppender {
                            let payload = Array("appender \(appender) round \(round)".utf8) + [UInt8](repeating: UInt8(appender), count: round * 3)
                            let sequence = try await journal.append(kind: UInt16(appender), payload: payload)
                            mine.append((sequence, payload))
                        }
                        return mine
                    }
                }
                var all: [(UInt64, [UInt8])] = []
                for try await mine in group { all += mine }
                return all
            }
            #expect(journal.lastSequence == UInt64(appenders * perAppender))
            journal.close()

            let sequences = results.map(\.0).sorted()
            #expect(sequences == Array(1...UInt64(appenders * perAppender)), "sequences are not contiguous or have duplicates")
            let (records, verification) = try readAll(directory)
            #expect(verification.isIntact)
            let bySequence = Dictionary(uniqueKeysWithValues: records.map { ($0.sequence, $0.payload) })
            for (sequence, payload) in results {
                #expect(bySequence[sequence] == payload, "record \(sequence) does not hold its appender's payload")
            }
            #expect(largestBatch.value > 1, "no batch ever held more than one record (\(batches.value) batches)")
            #expect(batches.value < appenders * perAppender)
            #expect(try JournalDirectory.segments(in: directory).count > 1, "4 KiB segments should have rotated")
        }
    }

    @Test("enqueue completions arrive in sequence order, also from many threads")
    func enqueueCompletionOrder() throws {
        try withTempDirectory { tmp in
            let journal = try Journal(directory: tmp.sub("journal"), options: options(segmentBytes: 2048))
            defer { journal.close() }
            let completed = Locked<[UInt64]>([])
            let assigned = Locked<[UInt64: Int]>([:])
            let failures = Locked<[String]>([])
            let done = Countdown()
            let threads = 8, perThread = 60
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                for index in 0..<perThread {
                    let count = 1 + (thread + index) % 3
                    let entries = (0..<count).map { _ in JournalEntry(kind: UInt16(thread), payload: [UInt8](repeating: UInt8(index), count: index % 50)) }
                    do {
                        let first = try journal.enqueue(entries) { result in
                            switch result {
                            case .success(let sequence): completed.withLock { $0.append(sequence) }
                            case .failure(let error): failures.withLock { $0.append("\(error)") }
                            }
                            done.signal()
                        }
                        assigned.withLock { $0[first] = count }
                    } catch {
                        failures.withLock { $0.append("enqueue threw \(error)") }
                        done.signal()
                    }
                }
            }
            #expect(done.wait(count: threads * perThread, seconds: 30), "completions did not all arrive")
            #expect(failures.value.isEmpty)
            let order = completed.value
            #expect(order == order.sorted(), "completions out of sequence order")
            #expect(Set(order) == Set(assigned.value.keys), "completion values differ from the sequences enqueue returned")
            // The runs handed out are contiguous and cover 1...total without overlap.
            var expectedNext: UInt64 = 1
            for (first, count) in assigned.value.sorted(by: { $0.key < $1.key }) {
                #expect(first == expectedNext)
                expectedNext = first + UInt64(count)
            }
            #expect(journal.lastSequence == expectedNext - 1)
            journal.close()
            let (records, verification) = try readAll(journal.directory)
            #expect(verification.isIntact)
            #expect(records.map(\.sequence) == Array(1..<expectedNext))
        }
    }

    @Test("segments rotate at the configured size; read(from:) works from every sequence")
    func rotationAndReadFrom() async throws {
        try await withTempDirectory { tmp in
            let directory = tmp.sub("journal")
            let segmentBytes = 1024
            let journal = try Journal(directory: directory, options: options(segmentBytes: segmentBytes))
            var expected: [JournalRecord] = []
            for sequence in UInt64(1)...150 {
                var record = Det.record(sequence, maxLength: 120)
                if sequence == 77 { record.payload = [UInt8](repeating: 0x77, count: 3000) }  // larger than a segment
                let assigned = try await journal.append(kind: record.kind, payload: record.payload, time: record.time)
                #expect(assigned == sequence)
                expected.append(record)
            }
            // A multi-record append that straddles rotation.
            let run = (151...170).map { Det.record(UInt64($0), maxLength: 120) }
            let range = try await journal.append(run.map { JournalEntry(kind: $0.kind, payload: $0.payload, time: $0.time) })
            #expect(range == 151...170)
            expected += run
            let journalSegments = journal.segments
            journal.close()

            let segments = try JournalDirectory.segments(in: directory)
            #expect(segments == journalSegments)
            #expect(segments.count >= 10)
            let locations = try locateRecords(directory)
            #expect(locations.map(\.record) == expected)
            for (index, segment) in segments.enumerated() {
                let inSegment = locations.filter { $0.segmentIndex == index }
                let size = Files.size(segment.path) ?? -1
                #expect(!inSegment.isEmpty, "segment \(segment.name) is empty")
                #expect(segment.firstSequence == inSegment.first?.record.sequence, "segment \(segment.name) named after another sequence")
                #expect(size == (inSegment.last?.end ?? 64))
                if inSegment.count > 1 || size <= segmentBytes {
                    #expect(size <= segmentBytes, "segment \(segment.name) is \(size) bytes")
                }
                if index + 1 < segments.count, let nextRecord = locations.first(where: { $0.segmentIndex == index + 1 }) {
                    #expect(size + nextRecord.size > segmentBytes, "segment \(segment.name) rotated early at \(size) bytes")
                }
            }
            let oversized = locations.first { $0.record.sequence == 77 }
            #expect(oversized.map { big in locations.filter { $0.segmentIndex == big.segmentIndex }.count } == 1,
                    "an oversized record should sit alone in its segment")

            for from in UInt64(0)...UInt64(expected.count + 2) {
                let (records, verification) = try readAll(directory, from: from)
                let want = Array(expected.filter { $0.sequence >= from })
                #expect(records == want, "read(from: \(from)) returned \(records.first?.sequence ?? 0)... (\(records.count) records)")
                #expect(verification.isIntact)
            }
        }
    }

    @Test("records that exactly fill segmentBytes fill the segment before it rotates")
    func exactFitRotation() async throws {
        try await withTempDirectory { tmp in
            let directory = tmp.sub("journal")
            let recordSize = JournalFormat.encodedSize(payloadCount: 100)
            let segmentBytes = JournalFormat.segmentHeaderSize + 3 * recordSize
            let journal = try Journal(directory: directory, options: options(segmentBytes: segmentBytes))
            for sequence in UInt64(1)...10 {
                #expect(try await journal.append(kind: 1, payload: [UInt8](repeating: UInt8(sequence), count: 100)) == sequence)
            }
            // A batch of records that also fills segments exactly.
            let batch = (11...19).map { JournalEntry(kind: 2, payload: [UInt8](repeating: UInt8($0), count: 100)) }
            #expect(try await journal.append(batch) == 11...19)
            journal.close()
            let segments = try JournalDirectory.segments(in: directory)
            #expect(segments.map(\.firstSequence) == [1, 4, 7, 10, 13, 16, 19])
            for segment in segments.dropLast() {
                #expect(Files.size(segment.path) == segmentBytes, "\(segment.name) is not filled to segmentBytes")
            }
            #expect(try readAll(directory).records.map(\.sequence) == Array(1...19))
        }
    }

    @Test("releaseSegments deletes only fully covered, non-active segments")
    func releaseSegments() async throws {
        try await withTempDirectory { tmp in
            let directory = tmp.sub("journal")
            let journal = try Journal(directory: directory, options: options(segmentBytes: 512))
            defer { journal.close() }
            for sequence in UInt64(1)...60 {
                let record = Det.record(sequence, maxLength: 100)
                _ = try await journal.append(kind: record.kind, payload: record.payload, time: record.time)
            }
            let segments = journal.segments
            try #require(segments.count >= 5)
            func onDisk() throws -> [JournalSegmentFile] { try JournalDirectory.segments(in: directory) }
            func sizes() throws -> Int { try onDisk().reduce(0) { $0 + (Files.size($1.path) ?? 0) } }
            #expect(journal.totalBytes == (try sizes()))

            // Covering nothing, or all but the last record of segment 0, releases nothing.
            #expect(try journal.releaseSegments(coveredThrough: 0).isEmpty)
            #expect(try journal.releaseSegments(coveredThrough: segments[1].firstSequence - 2).isEmpty)
            #expect(try onDisk() == segments)

            // Exactly covering segment 0 releases segment 0 only.
            let released = try journal.releaseSegments(coveredThrough: segments[1].firstSequence - 1)
            #expect(released == [segments[0].path])
            #expect(try onDisk() == Array(segments[1...]))
            #expect(journal.segments == Array(segments[1...]))
            #expect(journal.totalBytes == (try sizes()))

            // Covering part of segment 2 releases segment 1 only.
            #expect(try journal.releaseSegments(coveredThrough: segments[2].firstSequence + 1) == [segments[1].path])

            // Covering everything never removes the active segment.
            let everything = try journal.releaseSegments(coveredThrough: .max)
            #expect(everything == segments[2..<(segments.count - 1)].map(\.path))
            #expect(try onDisk() == [segments.last!])
            #expect(journal.totalBytes == (try sizes()))

            // The journal keeps working and reads from its new start.
            let record = Det.record(61, maxLength: 100)
            #expect(try await journal.append(kind: record.kind, payload: record.payload, time: record.time) == 61)
            journal.close()
            let (records, verification) = try readAll(directory)
            #expect(verification.isIntact)
            #expect(records.first?.sequence == segments.last!.firstSequence)
            #expect(records.last == record)
            let reopened = try Journal(directory: directory, options: options(segmentBytes: 512))
            #expect(reopened.recoveryReport.lastSequence == 61)
            #expect(reopened.recoveryReport.truncations.isEmpty)
            reopened.close()
        }
    }

    @Test("reopening continues the sequence; records keep their kind, time and payload")
    func reopenContinues() async throws {
        try await withTempDirectory { tmp in
            let directory = tmp.sub("journal")
            var written: [JournalRecord] = []
            for round in 0..<3 {
                let journal = try Journal(directory: directory, options: options(segmentBytes: 700))
                #expect(journal.recoveryReport.lastSequence == UInt64(written.count))
                #expect(journal.recoveryReport.records == written.count)
                #expect(journal.recoveryReport.truncations.isEmpty)
                #expect(journal.lastSequence == UInt64(written.count))
                for _ in 0..<10 {
                    let record = Det.record(UInt64(written.count + 1))
                    #expect(try await journal.append(kind: record.kind, payload: record.payload, time: record.time) == record.sequence)
                    written.append(record)
                }
                #expect(journal.lastSequence == UInt64(written.count), "round \(round)")
                journal.close()
            }
            #expect(try readAll(directory).records == written)
        }
    }

    @Test("time 0 means now; a new journal starts at options.firstSequence")
    func timeAndFirstSequence() async throws {
        try await withTempDirectory { tmp in
            var opts = options()
            opts.firstSequence = 1000
            let directory = tmp.sub("journal")
            let journal = try Journal(directory: directory, options: opts)
            defer { journal.close() }
            let before = FileSystem.nowNanoseconds()
            #expect(try await journal.append(kind: 3, payload: [1]) == 1000)
            let after = FileSystem.nowNanoseconds()
            #expect(try await journal.append(kind: 4, payload: [], time: 99) == 1001)
            journal.close()
            #expect(Files.exists(directory + "/" + SequenceFileName.name(1000, suffix: JournalFormat.segmentSuffix)))
            let records = try readAll(directory).records
            #expect(records.count == 2)
            #expect(records.first.map { $0.time >= before && $0.time <= after } == true)
            #expect(records.last == JournalRecord(sequence: 1001, time: 99, kind: 4, payload: []))
        }
    }

    @Test("close writes everything queued; appends after close throw journalClosed")
    func closeSemantics() async throws {
        try await withTempDirectory { tmp in
            let journal = try Journal(directory: tmp.sub("journal"), options: options(segmentBytes: 4096))
            let results = Locked<[Result<UInt64, StorageError>]>([])
            let done = Countdown()
            for index in 0..<200 {
                try journal.enqueue([JournalEntry(kind: 1, payload: [UInt8(index % 256)])]) { result in
                    results.withLock { $0.append(result) }
                    done.signal()
                }
            }
            journal.close()
            #expect(done.wait(count: 200, seconds: 10))
            let outcomes = results.value
            #expect(outcomes.count == 200)
            #expect(outcomes.allSatisfy { if case .success = $0 { true } else { false } }, "queued appends failed at close")
            #expect(try readAll(journal.directory).records.count == 200)

            let error = await storageError { try await journal.append(kind: 1, payload: [1]) }
            #expect(error?.isJournalClosed == true, "append after close: \(String(describing: error))")
            let enqueueError = storageError { try journal.enqueue([JournalEntry(kind: 1, payload: [])]) { _ in } }
            #expect(enqueueError?.isJournalClosed == true)
            journal.close()  // twice is harmless
            #expect(journal.failure == nil)
        }
    }

    @Test("a payload over maxRecordBytes throws recordTooLarge and changes nothing")
    func recordTooLarge() async throws {
        try await withTempDirectory { tmp in
            let directory = tmp.sub("journal")
            let journal = try Journal(directory: directory, options: options(maxRecordBytes: 100))
            defer { journal.close() }
            #expect(try await journal.append(kind: 1, payload: [UInt8](repeating: 1, count: 100)) == 1)
            let before = try Files.contents(of: directory)
            let error = await storageError { try await journal.append(kind: 1, payload: [UInt8](repeating: 2, count: 101)) }
            if case .recordTooLarge(let bytes, let limit)? = error {
                #expect(bytes == 101)
                #expect(limit == 100)
            } else {
                Issue.record("expected recordTooLarge, got \(String(describing: error))")
            }
            // A multi-record append with one oversized entry enqueues none of them.
            let batchError = await storageError {
                try await journal.append([JournalEntry(kind: 1, payload: [1]), JournalEntry(kind: 1, payload: [UInt8](repeating: 3, count: 500))])
            }
            if case .recordTooLarge? = batchError {} else { Issue.record("expected recordTooLarge, got \(String(describing: batchError))") }
            #expect(try Files.contents(of: directory) == before)
            #expect(journal.lastSequence == 1)
            #expect(journal.failure == nil)
            #expect(try await journal.append(kind: 1, payload: [3]) == 2, "a rejected append consumed a sequence")
            journal.close()
            #expect(try readAll(directory).records.map(\.sequence) == [1, 2])
        }
    }
}
