// storage-crash-child: the process the crash tests kill.
//
//   storage-crash-child [journal] <directory> [--segment-bytes N] [--tasks N] [--max-seconds N]
//       Opens (recovering) a Journal in <directory> with durability .always, prints "ready <last sequence>",
//       then appends forever from many concurrent tasks. Each record's kind, time and payload are a pure
//       function of its sequence (see CrashChildRecords in the tests). After an append is acknowledged
//       (durable), its sequence is written to stdout as one line with write(2). Runs until killed
//       (or until --max-seconds, a safety net should the test that spawned it disappear).
//
//   storage-crash-child lock <data directory>
//       Tries DataDirectory.lock(): exits 0 if it got the lock, 3 if the directory is locked, 4 on other errors.
import Snapshot
import TestSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#endif


// MARK: Output

/// One line to stdout with write(2): nothing buffered in the process survives a SIGKILL.
func writeLine(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { raw in
        var done = 0
        while done < raw.count {
            let n = write(1, raw.baseAddress! + done, raw.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                exit(5)  // the reader is gone
            }
            done += n
        }
    }
}

func fail(_ message: String, code: Int32 = 2) -> Never {
    let bytes = Array(("storage-crash-child: " + message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(code)
}

// MARK: Arguments

var arguments = Array(CommandLine.arguments.dropFirst())
// The mode word is optional for the journal mode: `storage-crash-child <directory> [options]` works too.
let mode = arguments.first == "lock" || arguments.first == "journal" ? arguments.removeFirst() : "journal"
guard let path = arguments.first, !path.hasPrefix("--") else {
    fail("usage: storage-crash-child [journal] <directory> [--segment-bytes N] [--tasks N] [--max-seconds N] | lock <data directory>")
}
arguments.removeFirst()

if mode == "lock" {
    do {
        let lock = try DataDirectory(path).lock()
        lock.release()
        exit(0)
    } catch StorageError.directoryLocked {
        exit(3)
    } catch {
        fail("\(error)", code: 4)
    }
}
var segmentBytes = 4096
var tasks = 16
var maxSeconds = 60
while arguments.count >= 2 {
    let name = arguments.removeFirst()
    guard let value = Int(arguments.removeFirst()) else { fail("\(name) needs a number") }
    switch name {
    case "--segment-bytes": segmentBytes = value
    case "--tasks": tasks = max(1, value)
    case "--max-seconds": maxSeconds = max(1, value)
    default: fail("unknown option \(name)")
    }
}
guard arguments.isEmpty else { fail("unexpected argument \(arguments[0])") }

// MARK: Appending

var options = JournalOptions()
options.durability = .always
options.segmentBytes = segmentBytes

let journal: Journal
do {
    journal = try Journal(directory: path, options: options)
} catch {
    fail("cannot open journal: \(error)")
}

/// Sequences are assigned by `enqueue` in call order; holding this lock around it lets each task
/// know its sequence before it builds the record.
let nextSequence = Mutex<UInt64>(journal.recoveryReport.lastSequence + 1)

func appendOne() async throws {
    let _: UInt64 = try await withCheckedThrowingContinuation { continuation in
        nextSequence.withLock { next in
            let sequence = next
            let entry = JournalEntry(kind: CrashChildRecords.kind(sequence), payload: CrashChildRecords.payload(sequence), time: CrashChildRecords.time(sequence))
            do {
                let assigned = try journal.enqueue([entry]) { result in
                    switch result {
                    case .success(let acknowledged):
                        // Runs on the writer thread, in sequence order, after the batch is durable.
                        writeLine(String(acknowledged))
                        continuation.resume(returning: acknowledged)
                    case .failure(let error):
                        continuation.resume(throwing: error)
                    }
                }
                if assigned != sequence { fail("enqueue assigned \(assigned), expected \(sequence)") }
                next = sequence + 1
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}

writeLine("ready \(journal.recoveryReport.lastSequence)")

let limit = maxSeconds
Task.detached {
    try? await Task.sleep(for: .seconds(limit))
    exit(0)
}

await withTaskGroup(of: Void.self) { group in
    for _ in 0..<tasks {
        group.addTask {
            while true {
                do {
                    try await appendOne()
                } catch {
                    fail("append failed: \(error)")
                }
            }
        }
    }
}
