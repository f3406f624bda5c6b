// Engine benchmarks: in-process ingest (fsync always vs never), snapshot of 1,000,000 numbers,
// recovery of 1,000,000 numbers + 1,000,000 journal records next to the time to merely read those
// files, and resident memory per number. Release build: `make bench`. Bounded in count.
// Profiling knobs: `--skip-ingest`; `--data DIR` builds the 1,000,000-number directory in DIR once and, when DIR
// already holds one, goes straight to recovery; `--recovery-runs N`; `--numbers N` (default 1,000,000); `--verbose` prints every recovery run;
// `--pending-effects` leaves the numbers' effects unsettled (by default they are settled, as the effect workers do).
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import NumberActors
import Snapshot
import CSystemShim

let quick = CommandLine.arguments.contains("--quick")
let root = (ProcessInfo.processInfo.environment["NUMNINJA_BENCH_DIR"] ?? "/tmp") + "/numninja-engine-bench-\(getpid())"
try FileSystem.createDirectory(root)
defer { if ProcessInfo.processInfo.environment["NUMNINJA_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(atPath: root) } }

func now() -> Double { Double(FileSystem.nowNanoseconds()) / 1e9 }
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
func line(_ text: String) {
    print(text)
    fflush(nil)
}

func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// CPU time of the whole process so far (user, system), to tell work from waiting on a busy machine.
func cpuSeconds() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return (seconds(usage.ru_utime), seconds(usage.ru_stime))
}

func - (a: (user: Double, system: Double), b: (user: Double, system: Double)) -> (user: Double, system: Double) {
    (a.user - b.user, a.system - b.system)
}

let t0: Int64 = 1_767_225_600

func e164(_ index: Int) -> String {
    let digits = String(index)
    return "+1415" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
}

func reservation(_ index: Int) -> IncomingEvent {
    IncomingEvent(channel: "api", numberID: "num_\(index)", keys: [RouteKey(.customer, "cus_\(index)"), RouteKey(.e164, e164(index))],
                  source: EventSource(eventID: "res_\(index)", time: t0),
                  payload: .reserved(Reservation(e164: e164(index), customer: "cus_\(index)", skuID: "sku_us",
                                                 plan: Plan(includedCallSeconds: 6000, includedSMS: 500, overage: .bill),
                                                 forward: Forwarding(email: "owner\(index)@example.com"))))
}

/// Traffic and billing for number `index`, event number `serial`: routed through indexes like the real edge does.
func traffic(_ index: Int, _ serial: Int) -> IncomingEvent {
    let time = t0 + Int64(serial)
    switch serial % 10 {
    case 0:
        return IncomingEvent(channel: "stripe", numberID: "num_\(index)", keys: [RouteKey(.subscription, "sub_\(index)")],
                             source: EventSource(eventID: "evt_\(index)_\(serial)", created: time, time: time),
                             payload: .paymentSucceeded(PaymentSucceeded(subscriptionID: "sub_\(index)", periodEnd: time + 2_592_000)))
    case 1, 2, 3:
        return IncomingEvent(channel: "sms", keys: [RouteKey(.e164, e164(index))], source: EventSource(eventID: "sms_\(index)_\(serial)", time: time),
                             payload: .smsReceived(InboundSMS(from: "+15550001", to: e164(index), text: "message \(serial)")))
    default:
        return IncomingEvent(channel: "cdr", keys: [RouteKey(.e164, e164(index))], source: EventSource(eventID: "cdr_\(index)_\(serial)", time: time),
                             payload: .callRecorded(CallRecord(durationSeconds: Int64(serial % 300), success: true, isLastCDR: true, from: "+15550002")))
    }
}

func options(_ durability: JournalOptions.Durability) -> EngineOptions {
    var options = EngineOptions()
    options.snapshotEvery = 0
    options.journal.durability = durability
    return options
}

// MARK: Ingest

func ingestRun(producers: Int, events: Int, numbers: Int, durability: JournalOptions.Durability) async throws -> (rate: Double, p50: Double, p99: Double) {
    let data = DataDirectory(root + "/ingest-\(producers)-\(durability.rawValue)-\(UInt32.random(in: 0...UInt32.max))")
    let engine = try NumberEngine.open(data, options: options(durability))
    for chunk in stride(from: 0, to: numbers, by: 1000) {
        _ = try await engine.ingest((chunk..<min(numbers, chunk + 1000)).map(reservation))
    }
    let perProducer = events / producers
    let started = now()
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for producer in 0..<producers {
            group.addTask {
                var mine: [Double] = []
                mine.reserveCapacity(perProducer)
                for step in 0..<perProducer {
                    let serial = producer * perProducer + step
                    let before = now()
                    _ = try await engine.ingest(traffic(serial % numbers, serial))
                    mine.append(now() - before)
                }
                return mine
            }
        }
        var all: [Double] = []
        for try await part in group { all += part }
        return all.sorted()
    }
    let elapsed = now() - started
    engine.close()
    try? FileManager.default.removeItem(atPath: data.path)
    return (Double(perProducer * producers) / elapsed, percentile(latencies, 0.5), percentile(latencies, 0.99))
}

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

line("engine-bench\(quick ? " (quick)" : " (medians of 3 runs)")")
let runs = quick ? 1 : 3
for durability in [JournalOptions.Durability.always, .never] where !CommandLine.arguments.contains("--skip-ingest") {
    for producers in [16, 256] {
        var results: [(rate: Double, p50: Double, p99: Double)] = []
        for _ in 0..<runs { results.append(try await ingestRun(producers: producers, events: quick ? 5_000 : 50_000, numbers: 10_000, durability: durability)) }
        line("ingest, fsync \(durability.rawValue), \(producers) producers: \(format(median(results.map(\.rate)), 0)) events/s; "
             + "latency p50 \(format(median(results.map(\.p50)) * 1e3, 3)) ms, p99 \(format(median(results.map(\.p99)) * 1e3, 3)) ms")
    }
}

// MARK: 1,000,000 numbers: snapshot, recovery, memory

if CommandLine.arguments.contains("--ingest-only") { exit(0) }

let count = option("--numbers").flatMap { Int($0) } ?? (quick ? 50_000 : 1_000_000)
let data = DataDirectory(option("--data") ?? root + "/million")
let reuse = option("--data") != nil && FileManager.default.fileExists(atPath: data.snapshotsPath)
if !reuse {
    let engine = try NumberEngine.open(data, options: options(.never))
    let producers = 8
    try await withThrowingTaskGroup(of: Void.self) { group in
        for producer in 0..<producers {
            group.addTask {
                var batch: [IncomingEvent] = []
                for index in stride(from: producer, to: count, by: producers) {
                    batch.append(reservation(index))
                    batch.append(traffic(index, index * 10))      // payment: paid
                    batch.append(traffic(index, index * 10 + 1))  // an SMS
                    if batch.count >= 900 {
                        _ = try await engine.ingest(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { _ = try await engine.ingest(batch) }
            }
        }
        try await group.waitForAll()
    }
    // Effect workers settle what the numbers emitted (buy the DID, tell the customer) within moments, so a
    // typical number's outbox is empty: settle every pending effect as the workers do. `--pending-effects`
    // leaves them pending (a world where every provider has been down since the numbers were created).
    if !CommandLine.arguments.contains("--pending-effects") {
        var settlements: [IncomingEvent] = []
        await engine.forEachNumber { state in
            for entry in state.outbox {
                settlements.append(IncomingEvent(channel: "effect", numberID: state.id, source: EventSource(eventID: entry.effect.id.text + ":completed", time: t0 + 1),
                                                 payload: .effectCompleted(effectID: entry.effect.id, details: "")))
            }
        }
        for start in stride(from: 0, to: settlements.count, by: 900) {
            _ = try await engine.ingest(Array(settlements[start..<min(settlements.count, start + 900)]))
        }
        line("settled \(settlements.count) effects (\(format(Double(settlements.count) / Double(count), 1)) per number)")
    }
    var snapshotMillis: [Double] = []
    var snapshotBytes = 0
    for _ in 0..<(quick ? 1 : 3) {
        let result = try await engine.snapshot()
        snapshotMillis.append(result.millis)
        snapshotBytes = result.bytes
    }
    line("snapshot of \(count) numbers (compress + write + fsync + rename): \(format(median(snapshotMillis), 0)) ms, \(format(Double(snapshotBytes) / 1e6)) MB")
    // The journal tail after the snapshot: one more event per number (1,000,000 records).
    try await withThrowingTaskGroup(of: Void.self) { group in
        for producer in 0..<producers {
            group.addTask {
                var batch: [IncomingEvent] = []
                for index in stride(from: producer, to: count, by: producers) {
                    batch.append(traffic(index, index * 10 + 4))  // a call
                    if batch.count >= 900 {
                        _ = try await engine.ingest(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                if !batch.isEmpty { _ = try await engine.ingest(batch) }
            }
        }
        try await group.waitForAll()
    }
    engine.close()
}

var recoverMillis: [Double] = []
var readMillis: [Double] = []
var perNumber = 0.0
var replayed = 0
for run in 0..<(option("--recovery-runs").flatMap { Int($0) } ?? (quick ? 1 : 3)) {
    // Merely reading the same files: decompress + verify the snapshot, read + verify the journal tail.
    let readStarted = now()
    let snapshotPath = try SnapshotStore(directory: data.snapshotsPath).list().last!.path
    _ = try SnapshotReader(path: snapshotPath).readEntities { _ in }
    _ = try JournalDirectory.read(data.journalPath, from: 0) { _ in }
    readMillis.append((now() - readStarted) * 1e3)

    let before = residentBytes()
    let cpuBefore = cpuSeconds()
    let engine = try NumberEngine.open(data, options: options(.never))
    let cpu = cpuSeconds() - cpuBefore
    recoverMillis.append(engine.recovery.millis)
    if CommandLine.arguments.contains("--verbose") {
        let summary = engine.recovery
        line("  recovery run \(run + 1): \(format(summary.millis, 0)) ms (snapshot \(format(summary.snapshotMillis, 0)) ms, "
             + "replay \(format(summary.replayMillis, 0)) ms; CPU user \(format(cpu.user, 2)) s, system \(format(cpu.system, 2)) s)")
    }
    replayed = engine.recovery.recordsReplayed
    if run == 0 {
        let untrimmed = residentBytes()
        _ = nn_heap_trim()
        line("  (resident growth before trimming the heap: \(format(Double(untrimmed - before) / Double(engine.recovery.numbers), 0)) bytes per number; "
             + "free inside the heap after trimming: \(format(Double(nn_heap_free_bytes()) / Double(engine.recovery.numbers), 0)) bytes per number)")
        perNumber = Double(residentBytes() - before) / Double(engine.recovery.numbers)
    }
    // `--snapshot-runs N` (profiling; it adds snapshots to DIR, so use a copy): snapshots of the recovered
    // numbers, each held by its actor as in a live process.
    if run == 0, let runs = option("--snapshot-runs").flatMap({ Int($0) }) {
        _ = engine.actors
        for _ in 0..<runs {
            let result = try await engine.snapshot()
            line("  snapshot of the recovered numbers: \(format(result.millis, 0)) ms, \(format(Double(result.bytes) / 1e6)) MB; "
                 + "ingestion held up \(format(result.pauseMillis, 2)) ms for the cut")
        }
    }
    engine.close()
}
line("recovery of \(count) numbers + \(replayed) journal records: \(format(median(recoverMillis), 0)) ms; "
     + "reading and verifying the same files: \(format(median(readMillis), 0)) ms")
line("resident memory after recovery: \(format(perNumber, 0)) bytes per number (state, actor, indexes, dedupe window)")
