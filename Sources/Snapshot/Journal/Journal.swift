#if canImport(Glibc)
import Glibc
#endif

/// The append-only journal: recovered at open, then written by one dedicated writer thread with
/// group commit. Appenders are completed only after the write and `fdatasync` that cover their records.
///
/// Sequences are assigned when an append is queued, so queue order is journal order, and completions
/// run on the writer thread in sequence order. After any write or sync error the journal is failed for
/// good: queued and later appends get `StorageError.journalFailed`; the owner restarts and recovers.
/// The caller must hold the data directory's lock and call `close()` when done.
public final class Journal: @unchecked Sendable {
    public typealias Completion = @Sendable (Result<UInt64, StorageError>) -> Void

    public let directory: String
    public let options: JournalOptions
    public let recoveryReport: JournalRecoveryReport

    private struct Pending {
        var first: UInt64
        var entries: [JournalEntry]
        var bytes: Int
        var completion: Completion
    }

    private enum State {
        case open
        case failed(String)
        case closed
    }

    // Guarded by `lock`.
    private let lock = ConditionLock()
    private var queue: [Pending] = []
    private var state = State.open
    private var closing = false
    private var writerWaiting = false
    private var writerExited = false
    private var nextSequence: UInt64
    private var durableSequence: UInt64
    private var segmentFiles: [JournalSegmentFile]
    private var bytesOnDisk: Int

    // Owned by the writer thread.
    private var activeFD: Int32 = -1
    private var activePath = ""
    private var activeSize = 0
    private var activeRecords = 0
    private var activeSeed: UInt32 = 0

    /// Opens (creating if needed) the journal in `directory`, recovering it first.
    public init(directory: String, options: JournalOptions = JournalOptions()) throws {
        precondition(options.maxRecordBytes <= JournalFormat.absoluteMaxRecordBytes, "maxRecordBytes over the format's limit")
        precondition(options.segmentBytes > JournalFormat.segmentHeaderSize, "segmentBytes too small")
        precondition(options.firstSequence >= 1, "sequences start at 1 (0 means none)")
        self.directory = directory
        self.options = options
        let outcome = try JournalRecovery.recover(directory: directory, options: options)
        recoveryReport = outcome.report
        nextSequence = outcome.report.lastSequence + 1
        durableSequence = outcome.report.lastSequence
        segmentFiles = outcome.segments
        bytesOnDisk = 0
        for file in outcome.segments { bytesOnDisk += FileSystem.fileSize(file.path) ?? 0 }
        if let active = outcome.active, let header = outcome.activeHeader {
            activePath = active.path
            activeFD = try options.io.open(active.path, flags: O_WRONLY | O_APPEND, mode: 0)
            activeSize = outcome.activeSize
            activeRecords = outcome.activeRecords
            activeSeed = JournalFormat.saltSeed(header.salt)
        } else {
            try createSegment(firstSequence: nextSequence)
        }
        startThread(name: "journal-writer") { [self] in writerLoop() }
    }

    // MARK: Appending

    /// Queues records; returns the first sequence assigned to them (they are contiguous). `completion`
    /// runs on the writer thread once they are durable, in sequence order with every other append.
    @discardableResult
    public func enqueue(_ entries: [JournalEntry], completion: @escaping Completion) throws -> UInt64 {
        precondition(!entries.isEmpty, "enqueue of no records")
        var bytes = 0
        for entry in entries {
            guard entry.payload.count <= options.maxRecordBytes else {
                throw StorageError.recordTooLarge(bytes: entry.payload.count, limit: options.maxRecordBytes)
            }
            bytes += JournalFormat.encodedSize(payloadCount: entry.payload.count)
        }
        return try lock.withLock {
            switch state {
            case .failed(let reason): throw StorageError.journalFailed(underlying: reason)
            case .closed: throw StorageError.journalClosed
            case .open: if closing { throw StorageError.journalClosed }
            }
            let first = nextSequence
            nextSequence += UInt64(entries.count)
            queue.append(Pending(first: first, entries: entries, bytes: bytes, completion: completion))
            if writerWaiting { lock.broadcast() }
            return first
        }
    }

    /// Appends one record and returns its sequence once it is durable.
    public func append(kind: UInt16, payload: [UInt8], time: Int64 = 0) async throws -> UInt64 {
        try await append([JournalEntry(kind: kind, payload: payload, time: time)]).lowerBound
    }

    /// Appends records as one contiguous run, durable together; returns their sequences.
    public func append(_ entries: [JournalEntry]) async throws -> ClosedRange<UInt64> {
        let first: UInt64 = try await withUnsafeThrowingContinuation { continuation in
            do {
                try enqueue(entries) { result in continuation.resume(with: result) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
        return first...(first + UInt64(entries.count) - 1)
    }

    // MARK: State

    /// The highest sequence known durable.
    public var lastSequence: UInt64 { lock.withLock { durableSequence } }

    /// Nil while healthy; the reason once the journal has failed.
    public var failure: String? {
        lock.withLock { if case .failed(let reason) = state { return reason } else { return nil } }
    }

    public var segments: [JournalSegmentFile] { lock.withLock { segmentFiles } }

    public var totalBytes: Int { lock.withLock { bytesOnDisk } }

    /// Deletes segments whose records all have sequences ≤ `sequence` (covered by the oldest kept snapshot).
    /// The active segment is never deleted. Returns the deleted paths.
    @discardableResult
    public func releaseSegments(coveredThrough sequence: UInt64) throws -> [String] {
        let removable = lock.withLock { SnapshotStore.coveredSegments(segmentFiles, through: sequence) }
        guard !removable.isEmpty else { return [] }
        var freed = 0
        for file in removable {
            freed += FileSystem.fileSize(file.path) ?? 0
            try FileSystem.remove(file.path)
        }
        try options.io.syncDirectory(directory)
        lock.withLock {
            segmentFiles.removeAll { file in removable.contains(file) }
            bytesOnDisk -= freed
        }
        return removable.map(\.path)
    }

    /// Writes everything queued, stops the writer thread and closes the file. Later appends throw.
    public func close() {
        lock.withLock {
            closing = true
            lock.broadcast()
            while !writerExited { lock.wait() }
            if case .open = state { state = .closed }
        }
    }

    // MARK: Writer thread

    private func writerLoop() {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(options.maxBatchBytes + (1 << 16))
        while true {
            var taken: [Pending] = []
            lock.withLock {
                while queue.isEmpty && !closing {
                    writerWaiting = true
                    lock.wait()
                    writerWaiting = false
                }
                swap(&taken, &queue)
            }
            if taken.isEmpty { break }
            var start = 0
            while start < taken.count {
                var end = start
                var bytes = 0
                var records = 0
                repeat {
                    bytes += taken[end].bytes
                    records += taken[end].entries.count
                    end += 1
                } while end < taken.count && bytes < options.maxBatchBytes && records < options.maxBatchRecords
                let batch = taken[start..<end]
                if let reason = lock.withLock({ () -> String? in if case .failed(let r) = state { return r } else { return nil } }) {
                    for pending in batch { pending.completion(.failure(.journalFailed(underlying: reason))) }
                } else {
                    do {
                        try writeBatch(batch, buffer: &buffer, records: records)
                        let last = batch.last!.first + UInt64(batch.last!.entries.count) - 1
                        lock.withLock { durableSequence = last }
                        for pending in batch { pending.completion(.success(pending.first)) }
                    } catch {
                        let reason = "\(error)"
                        lock.withLock { state = .failed(reason) }
                        for pending in batch { pending.completion(.failure(.journalFailed(underlying: reason))) }
                    }
                }
                start = end
            }
        }
        if activeFD >= 0 {
            options.io.close(activeFD)
            activeFD = -1
        }
        lock.withLock {
            writerExited = true
            lock.broadcast()
        }
    }

    private func writeBatch(_ batch: ArraySlice<Pending>, buffer: inout [UInt8], records: Int) throws {
        let now = FileSystem.nowNanoseconds()
        buffer.removeAll(keepingCapacity: true)
        var bufferRecords = 0
        var totalBytes = 0
        var syncSeconds = 0.0
        for pending in batch {
            var sequence = pending.first
            for entry in pending.entries {
                let size = JournalFormat.encodedSize(payloadCount: entry.payload.count)
                if activeSize + buffer.count + size > options.segmentBytes && activeRecords + bufferRecords > 0 {
                    totalBytes += buffer.count
                    syncSeconds += try flush(&buffer, records: &bufferRecords)
                    try createSegment(firstSequence: sequence)
                }
                entry.payload.withUnsafeBytes { payload in
                    JournalFormat.appendRecord(to: &buffer, saltSeed: activeSeed, sequence: sequence,
                                               time: entry.time == 0 ? now : entry.time, kind: entry.kind, payload: payload)
                }
                bufferRecords += 1
                sequence += 1
            }
        }
        totalBytes += buffer.count
        syncSeconds += try flush(&buffer, records: &bufferRecords)
        options.onBatch?(records, totalBytes, syncSeconds)
    }

    /// One write and one fdatasync for everything in `buffer`; returns the seconds spent syncing.
    private func flush(_ buffer: inout [UInt8], records: inout Int) throws -> Double {
        guard !buffer.isEmpty else { return 0 }
        try buffer.withUnsafeBytes { raw in try options.io.writeAll(activeFD, raw, path: activePath) }
        var seconds = 0.0
        if options.durability == .always {
            let started = FileSystem.nowNanoseconds()
            try options.io.fdatasync(activeFD, path: activePath)
            seconds = Double(FileSystem.nowNanoseconds() - started) / 1e9
        }
        activeSize += buffer.count
        activeRecords += records
        let written = buffer.count
        lock.withLock { bytesOnDisk += written }
        buffer.removeAll(keepingCapacity: true)
        records = 0
        return seconds
    }

    /// Creates and makes durable a new segment (header, file and directory entry), then makes it active.
    private func createSegment(firstSequence: UInt64) throws {
        let io = options.io
        let path = directory + "/" + SequenceFileName.name(firstSequence, suffix: JournalFormat.segmentSuffix)
        let header = JournalFormat.SegmentHeader(firstSequence: firstSequence, salt: UInt64.random(in: 1...UInt64.max),
                                                 createdNanos: FileSystem.nowNanoseconds())
        let fd = try io.open(path, flags: O_WRONLY | O_CREAT | O_EXCL | O_APPEND, mode: 0o644)
        do {
            try header.encoded().withUnsafeBytes { raw in try io.writeAll(fd, raw, path: path) }
            try io.fsync(fd, path: path)
            try io.syncDirectory(directory)
        } catch {
            io.close(fd)
            throw error
        }
        if activeFD >= 0 { io.close(activeFD) }
        activeFD = fd
        activePath = path
        activeSize = JournalFormat.segmentHeaderSize
        activeRecords = 0
        activeSeed = JournalFormat.saltSeed(header.salt)
        lock.withLock {
            segmentFiles.append(JournalSegmentFile(firstSequence: firstSequence, path: path))
            bytesOnDisk += JournalFormat.segmentHeaderSize
        }
    }
}
