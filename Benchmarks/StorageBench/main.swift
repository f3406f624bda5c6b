// Storage benchmarks: durable journal appends against a one-fdatasync-per-record baseline measured in
// the same run, sequential read-and-verify, and snapshot write/read against the lz4 tool.
// Run with `make bench` (release build). Every loop is bounded in count; figures are medians of runs.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Snapshot

let arguments = CommandLine.arguments
let quick = arguments.contains("--quick")
let runs = quick ? 1 : 5
let root = (ProcessInfo.processInfo.environment["NUMNINJA_BENCH_DIR"] ?? "/tmp") + "/numninja-storage-bench-\(getpid())"
try FileSystem.createDirectory(root)
defer { try? FileManager.default.removeItem(atPath: root) }

func now() -> Double { Double(FileSystem.nowNanoseconds()) / 1e9 }

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

func line(_ text: String) {
    print(text)
    fflush(nil)
}

let payload = [UInt8]((0..<256).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })

// MARK: Baseline: one write + fdatasync per record

func baseline(records: Int) throws -> (perSecond: Double, syncs: [Double]) {
    let path = root + "/baseline.log"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
    precondition(fd >= 0)
    defer {
        close(fd)
        unlink(path)
    }
    var syncs: [Double] = []
    syncs.reserveCapacity(records)
    let started = now()
    for _ in 0..<records {
        _ = payload.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let before = now()
        fdatasync(fd)
        syncs.append(now() - before)
    }
    return (Double(records) / (now() - started), syncs)
}

// MARK: Journal appends

struct AppendRun {
    var perSecond: Double
    var latencies: [Double]
    var syncs: [Double]
    var batchSizes: [Int]
}

final class BatchLog: @unchecked Sendable {
    let lock = NSLock()
    var syncs: [Double] = []
    var sizes: [Int] = []
    func record(_ records: Int, _ seconds: Double) {
        lock.lock()
        syncs.append(seconds)
        sizes.append(records)
        lock.unlock()
    }
}

func journalAppends(appenders: Int, perAppender: Int, durability: JournalOptions.Durability = .always) async throws -> AppendRun {
    let directory = root + "/journal-\(appenders)-\(UInt32.random(in: 0...UInt32.max))"
    let log = BatchLog()
    var options = JournalOptions()
    options.durability = durability
    options.onBatch = { records, _, seconds in log.record(records, seconds) }
    let journal = try Journal(directory: directory, options: options)
    let started = now()
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for _ in 0..<appenders {
            group.addTask {
                var mine: [Double] = []
                mine.reserveCapacity(perAppender)
                for _ in 0..<perAppender {
                    let before = now()
                    _ = try await journal.append(kind: 1, payload: payload)
                    mine.append(now() - before)
                }
                return mine
            }
        }
        var all: [Double] = []
        for try await part in group { all += part }
        return all
    }
    let elapsed = now() - started
    journal.close()
    try? FileManager.default.removeItem(atPath: directory)
    return AppendRun(perSecond: Double(appenders * perAppender) / elapsed, latencies: latencies.sorted(),
                     syncs: log.syncs.sorted(), batchSizes: log.sizes)
}

// MARK: Read and verify

func readVerify(bytes: Int) throws -> (gbPerSecond: [Double], records: Int) {
    let directory = root + "/read"
    var options = JournalOptions()
    options.durability = .never
    let journal = try Journal(directory: directory, options: options)
    let record = [UInt8](repeating: 0x5A, count: 1000)
    let count = bytes / (record.count + JournalFormat.recordHeaderSize)
    var written = 0
    while written < count {
        let batch = (0..<min(1000, count - written)).map { _ in JournalEntry(kind: 2, payload: record) }
        _ = try journal.enqueue(batch) { _ in }
        written += batch.count
    }
    journal.close()
    var rates: [Double] = []
    var records = 0
    for _ in 0..<runs {
        let started = now()
        var checksum: UInt64 = 0
        let result = try JournalDirectory.read(directory) { record in checksum &+= record.sequence &+ UInt64(record.payload.count) }
        let elapsed = now() - started
        precondition(result.isIntact && result.records == count && checksum > 0)
        records = result.records
        rates.append(Double(result.bytes) / elapsed / 1e9)
    }
    try? FileManager.default.removeItem(atPath: directory)
    return (rates, records)
}

// MARK: Snapshots

func entityPayload(_ index: Int, into buffer: inout [UInt8]) {
    // ~300 bytes shaped like a number's state: JSON-ish text with ids that differ per entity.
    let text = "{\"id\":\"num_\(index)\",\"e164\":\"+1415555\(index % 10000)\",\"customer\":\"cus_\(index / 3)\",\"state\":\"active\","
        + "\"stripe\":{\"subscription\":\"sub_\(index &* 7919)\",\"paid_through\":\(1_767_225_600 + index % 86400)},"
        + "\"didww\":{\"sku_id\":\"sku_\(index % 17)\",\"order_id\":\"ord_\(index &* 104729)\",\"did_id\":\"did_\(index &* 31)\"},"
        + "\"usage\":{\"month\":\"2026-12\",\"calls\":\(index % 50),\"call_seconds\":\(index % 5000),\"sms_in\":\(index % 90)},\"version\":\(index % 400)}"
    buffer.append(contentsOf: text.utf8)
}

func snapshotBench(entities: Int) throws -> (writeSeconds: [Double], lz4Seconds: [Double], readGBps: [Double], lz4ReadGBps: [Double], body: Int, file: Int) {
    let directory = root + "/snapshots"
    // The same body bytes, raw, for the lz4 tool.
    let bodyPath = root + "/body.raw"
    var body: [UInt8] = []
    body.reserveCapacity(entities * 330)
    for index in 0..<entities {
        let start = body.count
        body.appendLittleEndian(UInt32(0))
        body.appendLittleEndian(UInt16(1))
        body.appendLittleEndian(UInt16(0))
        body.appendLittleEndian(UInt64(index))
        entityPayload(index, into: &body)
        body.storeLittleEndian(UInt32(body.count - start - 16), at: start)
    }
    try Data(body).write(to: URL(fileURLWithPath: bodyPath))
    var writes: [Double] = []
    var lz4s: [Double] = []
    var reads: [Double] = []
    var lz4Reads: [Double] = []
    var fileBytes = 0
    for run in 0..<runs {
        let started = now()
        // Payloads are serialized beforehand: this measures compress + write + fsync + rename.
        let writer = try SnapshotWriter(directory: directory, sequence: UInt64(run + 1))
        try body.withUnsafeBytes { raw in
            var offset = 0
            for index in 0..<entities {
                let length = Int(raw.loadLittleEndian(at: offset, as: UInt32.self))
                try writer.append(kind: 1, sequence: UInt64(index),
                                  payload: UnsafeRawBufferPointer(rebasing: raw[(offset + 16)..<(offset + 16 + length)]))
                offset += 16 + length
            }
        }
        let published = try writer.publish()
        writes.append(now() - started)
        fileBytes = published.bytes

        let tool = Process()
        tool.executableURL = URL(fileURLWithPath: "/usr/bin/lz4")
        tool.arguments = ["-1", "-q", "-f", bodyPath, root + "/body.lz4"]
        let toolStarted = now()
        try tool.run()
        tool.waitUntilExit()
        lz4s.append(now() - toolStarted)
        precondition(tool.terminationStatus == 0)

        let readStarted = now()
        let summary = try SnapshotReader(path: published.path).readEntities { entity in precondition(entity.kind == 1) }
        reads.append(Double(summary.uncompressedBytes) / (now() - readStarted) / 1e9)
        precondition(summary.entities == UInt64(entities))

        let decoder = Process()
        decoder.executableURL = URL(fileURLWithPath: "/usr/bin/lz4")
        decoder.arguments = ["-dc", published.path]
        decoder.standardOutput = FileHandle.nullDevice
        let decodeStarted = now()
        try decoder.run()
        decoder.waitUntilExit()
        lz4Reads.append(Double(summary.uncompressedBytes) / (now() - decodeStarted) / 1e9)
        try FileSystem.remove(published.path)
    }
    return (writes, lz4s, reads, lz4Reads, body.count, fileBytes)
}

// MARK: Report

line("storage-bench (\(quick ? "quick" : "\(runs) runs, medians")); CRC32C hardware: \(CRC32C.isHardwareAccelerated)")
var baselineRates: [Double] = []
var baselineSyncs: [Double] = []
let appenderCases = quick ? [(1, 200), (16, 200), (256, 100)] : [(1, 2_000), (16, 2_000), (256, 1_000)]
var appendResults: [Int: [AppendRun]] = [:]
for _ in 0..<runs {
    // Interleave the baseline with the journal runs so both see the same disk weather.
    let base = try baseline(records: quick ? 300 : 2_000)
    baselineRates.append(base.perSecond)
    baselineSyncs += base.syncs
    for (appenders, each) in appenderCases {
        appendResults[appenders, default: []].append(try await journalAppends(appenders: appenders, perAppender: each))
    }
}
let baselineRate = median(baselineRates)
baselineSyncs.sort()
line("fdatasync (baseline, 256-byte write + fdatasync per record): \(format(baselineRate, 0)) records/s; "
     + "fdatasync p50 \(format(percentile(baselineSyncs, 0.5) * 1e3, 3)) ms, p90 \(format(percentile(baselineSyncs, 0.9) * 1e3, 3)) ms, "
     + "p99 \(format(percentile(baselineSyncs, 0.99) * 1e3, 3)) ms, max \(format(baselineSyncs.last ?? .nan, 4)) s")
for (appenders, _) in appenderCases {
    let results = appendResults[appenders]!
    let rate = median(results.map(\.perSecond))
    let p50 = median(results.map { percentile($0.latencies, 0.5) })
    let p99 = median(results.map { percentile($0.latencies, 0.99) })
    let batches = results.flatMap(\.batchSizes)
    let meanBatch = Double(batches.reduce(0, +)) / Double(max(1, batches.count))
    let syncs = results.flatMap(\.syncs).sorted()
    line("journal append, \(appenders) appender(s), fsync always: \(format(rate, 0)) records/s = \(format(rate / baselineRate, 1))x baseline; "
         + "latency p50 \(format(p50 * 1e3, 3)) ms, p99 \(format(p99 * 1e3, 3)) ms; mean batch \(format(meanBatch, 1)) records; "
         + "fdatasync p50 \(format(percentile(syncs, 0.5) * 1e3, 3)) ms, p99 \(format(percentile(syncs, 0.99) * 1e3, 3)) ms")
}

let read = try readVerify(bytes: quick ? 64 << 20 : 1 << 30)
line("journal read + verify (\(read.records) records of 1 KB, page cache warm): \(format(median(read.gbPerSecond), 2)) GB/s")

let snap = try snapshotBench(entities: quick ? 100_000 : 1_000_000)
let writeMedian = median(snap.writeSeconds)
let lz4Median = median(snap.lz4Seconds)
line("snapshot write of \(quick ? 100_000 : 1_000_000) entities (\(format(Double(snap.body) / 1e6)) MB body -> \(format(Double(snap.file) / 1e6)) MB file, "
     + "compress + write + fsync + rename): \(format(writeMedian * 1e3, 0)) ms; lz4 -1 on the same bytes: \(format(lz4Median * 1e3, 0)) ms; "
     + "ratio \(format(writeMedian / lz4Median, 2))")
line("snapshot read + verify: \(format(median(snap.readGBps), 2)) GB/s of uncompressed body; lz4 -dc of the same file to /dev/null: \(format(median(snap.lz4ReadGBps), 2)) GB/s")
