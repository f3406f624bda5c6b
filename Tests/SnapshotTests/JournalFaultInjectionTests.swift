import Testing
import Snapshot
#if canImport(Glibc)
import Glibc
#endif

struct FaultCase: Sendable, CustomStringConvertible {
    enum Torn: Sendable {
        /// Nothing partial reaches the disk.
        case none
        /// Part of a record reaches the disk: reopening truncates exactly those bytes.
        case record
        /// A new segment is left without a whole header: reopening removes it.
        case segmentCreation
        /// Whatever the batching did, at most one torn tail.
        case any
    }

    var name: String
    var fault: FaultInjectingFileIO.Fault
    var appenders: Int
    /// 192 = header + one 128-byte record: every append after the first creates a segment.
    var segmentBytes: Int
    var torn: Torn
    var description: String { name }
}

@Suite("Journal fault injection")
struct JournalFaultInjectionTests {
    static let cases: [FaultCase] = [
        FaultCase(name: "short write then ENOSPC", fault: .shortWrite(nth: 1), appenders: 1, segmentBytes: 1 << 20, torn: .record),
        FaultCase(name: "EIO on write", fault: .writeError(nth: 1, errno: EIO), appenders: 1, segmentBytes: 1 << 20, torn: .none),
        FaultCase(name: "EIO on fdatasync", fault: .fdatasyncError(nth: 1, errno: EIO), appenders: 1, segmentBytes: 1 << 20, torn: .none),
        FaultCase(name: "ENOSPC on every write", fault: .writesFail(fromNth: 1, errno: ENOSPC), appenders: 1, segmentBytes: 1 << 20, torn: .none),
        FaultCase(name: "short write, 16 appenders", fault: .shortWrite(nth: 1), appenders: 16, segmentBytes: 1 << 20, torn: .any),
        FaultCase(name: "EIO on write, 16 appenders", fault: .writeError(nth: 1, errno: EIO), appenders: 16, segmentBytes: 1 << 20, torn: .none),
        FaultCase(name: "EIO on fdatasync, 16 appenders", fault: .fdatasyncError(nth: 1, errno: EIO), appenders: 16, segmentBytes: 1 << 20, torn: .none),
        FaultCase(name: "ENOSPC, 16 appenders, 4 KiB segments", fault: .writesFail(fromNth: 1, errno: ENOSPC), appenders: 16, segmentBytes: 4096, torn: .none),
        FaultCase(name: "EIO writing a new segment's header", fault: .writeError(nth: 1, errno: EIO), appenders: 1, segmentBytes: 192, torn: .segmentCreation),
        FaultCase(name: "short write of a new segment's header", fault: .shortWrite(nth: 1), appenders: 1, segmentBytes: 192, torn: .segmentCreation),
        FaultCase(name: "EIO on fsync of a new segment", fault: .fsyncError(nth: 1, errno: EIO), appenders: 1, segmentBytes: 192, torn: .any),
        FaultCase(name: "EIO on the first record's write into a new segment", fault: .writeError(nth: 2, errno: EIO), appenders: 1, segmentBytes: 192, torn: .none),
    ]

    @Test("a write or sync fault fails the journal for good and loses nothing acknowledged", arguments: cases)
    func faultFailsJournal(_ testCase: FaultCase) async throws {
        try await withTempDirectory { tmp in
            let directory = tmp.sub("journal")
            let io = FaultInjectingFileIO()
            var options = JournalOptions()
            options.io = io
            options.segmentBytes = testCase.segmentBytes
            let journal = try Journal(directory: directory, options: options)
            defer { journal.close() }

            // Acknowledged before the fault: 128-byte records.
            var acknowledged: [JournalRecord] = []
            for sequence in UInt64(1)...3 {
                let record = JournalRecord(sequence: sequence, time: Det.time(sequence), kind: 7,
                                           payload: [UInt8](repeating: UInt8(sequence), count: 100))
                #expect(try await journal.append(kind: record.kind, payload: record.payload, time: record.time) == sequence)
                acknowledged.append(record)
            }
            let segmentsBefore = try JournalDirectory.segments(in: directory)
            let lastBefore = segmentsBefore.last!
            let sizeBefore = Files.size(lastBefore.path) ?? -1
            if testCase.segmentBytes == 192 { #expect(segmentsBefore.count == 3, "each 128-byte record should have its own segment") }

            io.arm(testCase.fault)
            let attempted: [[UInt8]] = (0..<testCase.appenders).map { index in
                Array("attempt \(index) ".utf8) + [UInt8](repeating: 0xA0 &+ UInt8(index), count: 100 - "attempt \(index) ".utf8.count)
            }
            let errors = await withTaskGroup(of: StorageError?.self) { group in
                for payload in attempted {
                    group.addTask { await storageError { try await journal.append(kind: 9, payload: payload) } }
                }
                var errors: [StorageError?] = []
                for await error in group { errors.append(error) }
                return errors
            }
            #expect(!io.injections.isEmpty, "the fault was never injected")
            for error in errors {
                #expect(error?.isJournalFailed == true, "pending append ended with \(String(describing: error)) instead of journalFailed")
            }
            #expect(journal.failure != nil, "journal.failure is not set")
            #expect(journal.lastSequence == 3, "lastSequence moved past the acknowledged records")

            // Later appends fail at once, before queueing anything.
            let immediate = storageError { try journal.enqueue([JournalEntry(kind: 1, payload: [1])]) { _ in } }
            #expect(immediate?.isJournalFailed == true, "enqueue after failure: \(String(describing: immediate))")
            let later = await storageError { try await journal.append(kind: 1, payload: [2]) }
            #expect(later?.isJournalFailed == true, "append after failure: \(String(describing: later))")
            #expect(io.injections.count <= 2, "the failed journal kept writing: \(io.injections)")

            if testCase.torn == .record {
                #expect((Files.size(lastBefore.path) ?? 0) > sizeBefore, "the short write left nothing on disk")
            }
            journal.close()
            #expect(journal.failure != nil, "close cleared the failure")

            // Reopen with the real file system.
            var plain = JournalOptions()
            plain.segmentBytes = testCase.segmentBytes
            let reopened = try Journal(directory: directory, options: plain)
            defer { reopened.close() }
            let report = reopened.recoveryReport
            switch testCase.torn {
            case .none:
                #expect(report.truncations.isEmpty, "unexpected truncation \(report.truncations)")
            case .record:
                #expect(report.truncations.count == 1)
                if let truncation = report.truncations.first {
                    #expect(truncation.file == lastBefore.path)
                    #expect(truncation.offset == sizeBefore)
                    #expect(truncation.bytes == io.injections.first?.written)
                }
            case .segmentCreation:
                let created = directory + "/" + SequenceFileName.name(4, suffix: JournalFormat.segmentSuffix)
                #expect(report.truncations.count == 1)
                #expect(report.truncations.first?.file == created)
                #expect(report.truncations.first?.offset == 0)
                #expect(!Files.exists(created), "the torn segment was not removed")
            case .any:
                #expect(report.truncations.count <= 1)
            }

            let (records, verification) = try readAll(directory)
            #expect(verification.isIntact)
            #expect(Array(records.prefix(3)) == acknowledged, "acknowledged records lost or changed")
            #expect(records.map(\.sequence) == Array(1...UInt64(records.count)), "recovered sequences are not contiguous")
            for record in records.dropFirst(3) {
                #expect(attempted.contains(record.payload), "recovered record \(record.sequence) was never appended")
            }
            #expect(report.lastSequence == UInt64(records.count))

            let next = try await reopened.append(kind: 1, payload: [42])
            #expect(next == UInt64(records.count) + 1, "after recovery the sequence continues")
            reopened.close()
            #expect(try readAll(directory).verification.isIntact)
        }
    }

    @Test("the fault injector itself: short write then ENOSPC, counting from arming")
    func injectorBehaves() throws {
        try withTempDirectory { tmp in
            let io = FaultInjectingFileIO()
            let path = tmp.sub("file")
            let fd = try io.open(path, flags: O_WRONLY | O_CREAT, mode: 0o644)
            defer { io.close(fd) }
            let bytes = [UInt8](repeating: 1, count: 100)
            try bytes.withUnsafeBytes { try io.writeAll(fd, $0, path: path) }
            io.arm(.shortWrite(nth: 2, keep: 10))
            try bytes.withUnsafeBytes { try io.writeAll(fd, $0, path: path) }
            var caught: IOError?
            do {
                try bytes.withUnsafeBytes { try io.writeAll(fd, $0, path: path) }
            } catch let error as IOError {
                caught = error
            }
            #expect(caught?.errno == ENOSPC)
            #expect(Files.size(path) == 210)
            #expect(io.injections.map(\.written) == [10, 0])
            io.arm(.fdatasyncError(nth: 1, errno: EIO))
            #expect(throws: IOError.self) { try io.fdatasync(fd, path: path) }
            try io.fdatasync(fd, path: path)
        }
    }
}
