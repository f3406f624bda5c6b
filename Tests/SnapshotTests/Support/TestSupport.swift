import TestSupport
import Testing
import Snapshot
import Synchronization
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Errors

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` and returns the `StorageError` it threw (nil if it returned or threw something else).
func storageError<T>(_ body: () throws -> T) -> StorageError? {
    do {
        _ = try body()
        return nil
    } catch let error as StorageError {
        return error
    } catch {
        return nil
    }
}

func storageError<T>(_ body: () async throws -> T) async -> StorageError? {
    do {
        _ = try await body()
        return nil
    } catch let error as StorageError {
        return error
    } catch {
        return nil
    }
}

extension StorageError {
    var isJournalFailed: Bool { if case .journalFailed = self { return true } else { return false } }
    var isJournalClosed: Bool { if case .journalClosed = self { return true } else { return false } }
    var corruptLocation: (file: String, offset: Int)? {
        if case .corrupt(let file, let offset, _) = self { return (file, offset) } else { return nil }
    }
}

// MARK: - Temporary directories

/// Where test directories live: the system's temporary directory, and nowhere else.
let scratchRoot = "/tmp/"

/// A fresh directory under /tmp for one test; `withTempDirectory` removes it afterwards.
final class TempDirectory: Sendable {
    let path: String

    init(label: String) throws {
        let clean = String(label.map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
        var template = Array((scratchRoot + "nn-journaltests-\(clean)-" + String(repeating: "X", count: 6)).utf8CString)
        let ok = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) != nil }
        guard ok else { throw IOError(operation: "mkdtemp", path: "/tmp", errno: errno) }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        precondition(path.hasPrefix("/tmp/"))
    }

    func sub(_ name: String) -> String { path + "/" + name }

    func remove() { Files.removeTree(path) }
}

func withTempDirectory<T>(_ label: String = #function, _ body: (TempDirectory) throws -> T) throws -> T {
    let dir = try TempDirectory(label: label)
    defer { dir.remove() }
    return try body(dir)
}

func withTempDirectory<T>(_ label: String = #function, _ body: (TempDirectory) async throws -> T) async throws -> T {
    let dir = try TempDirectory(label: label)
    defer { dir.remove() }
    return try await body(dir)
}

// MARK: - File helpers (test side; plain syscalls, no FileIO seam)

enum Files {
    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Sorted names in a directory (empty if it does not exist).
    static func list(_ path: String) -> [String] {
        guard isDirectory(path), let names = try? FileSystem.list(path) else { return [] }
        return names.sorted()
    }

    /// Removes a tree; only ever under /tmp.
    static func removeTree(_ path: String) {
        precondition(path.hasPrefix("/tmp/") && !path.contains("/../"), "refusing to remove \(path)")
        if isDirectory(path) {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    static func copyTree(_ from: String, _ to: String) throws {
        precondition(to.hasPrefix("/tmp/"))
        try FileSystem.createDirectory(to)
        for name in list(from) {
            let source = from + "/" + name
            if isDirectory(source) {
                try copyTree(source, to + "/" + name)
            } else {
                try write(to + "/" + name, try read(source))
            }
        }
    }

    static func read(_ path: String) throws -> [UInt8] { try FileSystem.read(path) }

    static func write(_ path: String, _ bytes: [UInt8]) throws {
        precondition(path.hasPrefix("/tmp/"))
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IOError(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        var done = 0
        try bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw IOError(operation: "write", path: path, errno: errno)
                }
                done += n
            }
        }
    }

    static func truncate(_ path: String, to length: Int) throws {
        precondition(path.hasPrefix("/tmp/"))
        guard Glibc.truncate(path, off_t(length)) == 0 else { throw IOError(operation: "truncate", path: path, errno: errno) }
    }

    static func size(_ path: String) -> Int? { FileSystem.fileSize(path) }

    /// Every regular file under `root`, by path relative to it, with its bytes.
    static func contents(of root: String) throws -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        func walk(_ relative: String) throws {
            let full = relative.isEmpty ? root : root + "/" + relative
            for name in list(full) {
                let child = relative.isEmpty ? name : relative + "/" + name
                if isDirectory(root + "/" + child) {
                    try walk(child)
                } else {
                    result[child] = try read(root + "/" + child)
                }
            }
        }
        try walk("")
        return result
    }
}

// MARK: - Deterministic data

func randomBytes<G: RandomNumberGenerator>(_ count: Int, using rng: inout G) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(count + 8)
    while out.count < count {
        let value = rng.next()
        withUnsafeBytes(of: value) { out.append(contentsOf: $0.prefix(count - out.count)) }
    }
    return out
}

/// Records whose content is a pure function of their sequence.
enum Det {
    static func payload(_ sequence: UInt64, maxLength: Int = 160) -> [UInt8] {
        var rng = SplitMix64(seed: sequence &* 0x2545_F491_4F6C_DD1D)
        let length = sequence % 7 == 3 ? 0 : Int(rng.next() % UInt64(maxLength + 1))
        return randomBytes(length, using: &rng)
    }

    static func kind(_ sequence: UInt64) -> UInt16 { UInt16(truncatingIfNeeded: sequence % 5 + 1) }
    static func time(_ sequence: UInt64) -> Int64 { 1_700_000_000_000_000_000 + Int64(sequence) * 1_000 }

    static func record(_ sequence: UInt64, maxLength: Int = 160) -> JournalRecord {
        JournalRecord(sequence: sequence, time: time(sequence), kind: kind(sequence), payload: payload(sequence, maxLength: maxLength))
    }
}

// MARK: - Reading journals back

/// Every record `JournalDirectory.read` returns, with the walk's summary.
func readAll(_ directory: String, from: UInt64 = 0) throws -> (records: [JournalRecord], verification: JournalVerification) {
    var records: [JournalRecord] = []
    let verification = try JournalDirectory.read(directory, from: from) { records.append(JournalRecord($0)) }
    return (records, verification)
}

/// Where one record sits on disk.
struct RecordLocation: Sendable {
    var segmentIndex: Int
    var path: String
    var offset: Int
    var size: Int
    var end: Int { offset + size }
    var record: JournalRecord
}

/// Scans every segment file and reports each valid record with its file and offset.
func locateRecords(_ directory: String) throws -> [RecordLocation] {
    var result: [RecordLocation] = []
    for (index, file) in try JournalDirectory.segments(in: directory).enumerated() {
        let bytes = try Files.read(file.path)
        _ = bytes.withUnsafeBytes { raw in
            JournalSegmentScanner.scan(raw, maxRecordBytes: JournalFormat.absoluteMaxRecordBytes) { view in
                result.append(RecordLocation(segmentIndex: index, path: file.path, offset: view.offset,
                                             size: JournalFormat.encodedSize(payloadCount: view.payload.count),
                                             record: JournalRecord(view)))
            }
        }
    }
    return result
}

/// A closed journal written through `Journal` with deterministic records, and where each record landed.
struct JournalFixture {
    var directory: String
    var options: JournalOptions
    var segments: [JournalSegmentFile]
    var records: [JournalRecord]
    var locations: [RecordLocation]

    static func build(in directory: String, segmentBytes: Int, count: Int, maxPayload: Int = 160) async throws -> JournalFixture {
        var options = JournalOptions()
        options.segmentBytes = segmentBytes
        let journal = try Journal(directory: directory, options: options)
        var records: [JournalRecord] = []
        for sequence in UInt64(1)...UInt64(count) {
            let record = Det.record(sequence, maxLength: maxPayload)
            let assigned = try await journal.append(kind: record.kind, payload: record.payload, time: record.time)
            guard assigned == sequence else {
                journal.close()
                throw TestFailure("fixture append got sequence \(assigned), expected \(sequence)")
            }
            records.append(record)
        }
        journal.close()
        let locations = try locateRecords(directory)
        guard locations.map(\.record) == records else { throw TestFailure("fixture does not read back") }
        return JournalFixture(directory: directory, options: options, segments: try JournalDirectory.segments(in: directory),
                              records: records, locations: locations)
    }

    func locations(inSegment index: Int) -> [RecordLocation] { locations.filter { $0.segmentIndex == index } }
}

// MARK: - Failure collection for exhaustive loops

/// Collects mismatches of one case of an exhaustive loop, so one broken case reports once and the loop can stop early.
struct CaseChecker {
    var failures: [String] = []
    mutating func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { failures.append(message()) }
    }
}

/// Records the failures of a case as one issue; returns false once `limit` failing cases have been reported.
func report(_ checker: CaseChecker, label: @autoclosure () -> String, failingCases: inout Int, limit: Int = 4,
            sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    guard !checker.failures.isEmpty else { return true }
    failingCases += 1
    Issue.record(Comment(rawValue: "\(label()): " + checker.failures.joined(separator: "; ")), sourceLocation: sourceLocation)
    return failingCases < limit
}

// MARK: - Small concurrency helpers

/// A value behind a `Mutex`, shareable across tasks and threads.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    var value: Value { mutex.withLock { $0 } }
}

/// Waits for `count` signals, up to a deadline.
final class Countdown: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func signal() { semaphore.signal() }
    /// True if all `count` signals arrived before `seconds` passed.
    func wait(count: Int, seconds: Double) -> Bool {
        let deadline = DispatchTime.now() + seconds
        for _ in 0..<count where semaphore.wait(timeout: deadline) == .timedOut { return false }
        return true
    }
}

func residentHighWaterMarkBytes() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Int(usage.ru_maxrss) * 1024
}
