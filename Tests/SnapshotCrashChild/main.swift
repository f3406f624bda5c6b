// Crash-test child for snapshots: publishes snapshots in a loop into the directory given as the first
// argument, each of a few thousand entities, printing "published <sequence>" after each publish.
// The parent kills it with SIGKILL at random moments and checks that every file under a final name
// is a whole, valid snapshot.
#if canImport(Glibc)
import Glibc
#endif
import Snapshot

let directory = CommandLine.arguments[1]
let store = SnapshotStore(directory: directory)
var sequence: UInt64 = UInt64(CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "1") ?? 1
// Bounded: an orphaned child stops by itself.
let deadline = time(nil) + 30
while time(nil) < deadline {
    let writer = try store.writer(sequence: sequence)
    for index in 0..<5_000 {
        let text = "entity \(index) of snapshot \(sequence) " + String(repeating: "x", count: index % 200)
        try writer.append(kind: 1, sequence: UInt64(index), payload: Array(text.utf8))
    }
    _ = try writer.publish()
    try store.prune()
    let line = "published \(sequence)\n"
    _ = line.withCString { write(1, $0, strlen($0)) }
    sequence += 1
}
