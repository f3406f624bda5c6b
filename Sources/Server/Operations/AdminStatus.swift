import NumberActors
import Snapshot
#if canImport(Glibc)
import Glibc
#endif

/// `GET /admin/status`:
/// `{"journal": {"last_sequence", "bytes", "segments"}, "snapshot": {"sequence", "bytes", "taken_at", "millis"},
///   "numbers": {<state>: count}, "outbox": {"pending", "retrying", "failed", "oldest_age_seconds"}, "unroutable": n}`.
///
/// - journal: the durable last sequence, and the segment files in the journal directory with their sizes.
/// - snapshot: the one this process took last; after a restart, before any, the newest file in the snapshots
///   directory (`millis` null, since taking it was timed by another process); every field null when none exists.
///   `taken_at` is the snapshot file's modification time.
/// - numbers: every state, zeros included.
/// - outbox: entries not completed, over all numbers (see `OutboxStatus`): pending (retrying ones included),
///   retrying (the last attempt failed and another is scheduled), failed for good; `oldest_age_seconds` is the
///   age of the oldest pending one, null when none is pending.
struct AdminStatus: Sendable {
    var lastSequence: UInt64 = 0
    var journalBytes = 0
    var journalSegments = 0
    var snapshot: SnapshotFacts?
    var numbers: [LifecycleState: Int] = [:]
    var outbox = OutboxStatus()
    var now: UnixSeconds = 0
    var unroutable = 0

    struct SnapshotFacts: Sendable {
        var sequence: UInt64
        var bytes: Int
        var takenAt: Int64?
        var millis: Double?
    }

    static func collect(_ engine: NumberEngine, workers: EffectWorkers? = nil) async -> AdminStatus {
        var status = AdminStatus()
        status.now = APIEvents.nowSeconds()
        status.lastSequence = engine.journal.lastSequence
        let segments = (try? JournalDirectory.segments(in: engine.journal.directory)) ?? engine.journal.segments
        status.journalSegments = segments.count
        status.journalBytes = segments.reduce(0) { $0 + (FileSystem.fileSize($1.path) ?? 0) }
        status.snapshot = snapshotFacts(engine)
        status.unroutable = engine.parkedEvents.count
        await engine.forEachNumber { status.count($0) }
        status.outbox.add(workers)
        return status
    }

    mutating func count(_ state: NumberState) {
        numbers[state.state, default: 0] += 1
        outbox.count(state)
    }

    static func snapshotFacts(_ engine: NumberEngine) -> SnapshotFacts? {
        if let last = engine.snapshots.last {
            return SnapshotFacts(sequence: last.sequence, bytes: last.bytes, takenAt: modificationTime(last.path), millis: last.millis)
        }
        let store = SnapshotStore(directory: engine.data.snapshotsPath)
        guard let newest = try? store.list().last else { return nil }
        return SnapshotFacts(sequence: newest.sequence, bytes: FileSystem.fileSize(newest.path) ?? 0,
                             takenAt: modificationTime(newest.path), millis: nil)
    }

    static func modificationTime(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec)
    }

    var json: String {
        var journal = JSONObject()
        journal.set("last_sequence", lastSequence)
        journal.set("bytes", journalBytes)
        journal.set("segments", journalSegments)
        var snapshotJSON = JSONObject()
        snapshotJSON.set("sequence", snapshot?.sequence)
        snapshotJSON.set("bytes", snapshot?.bytes)
        snapshotJSON.set("taken_at", snapshot?.takenAt.map(CivilDate.iso8601))
        if let millis = snapshot?.millis { snapshotJSON.set("millis", millis) } else { snapshotJSON.setRaw("millis", "null") }
        var states = JSONObject()
        for state in LifecycleState.allCases { states.set(state.rawValue, numbers[state] ?? 0) }
        var outboxJSON = JSONObject()
        outboxJSON.set("pending", outbox.pending)
        outboxJSON.set("retrying", outbox.retrying)
        outboxJSON.set("failed", outbox.failed)
        outboxJSON.set("oldest_age_seconds", outbox.oldestAgeSeconds(now: now))
        var json = JSONObject()
        json.setRaw("journal", journal.string)
        json.setRaw("snapshot", snapshotJSON.string)
        json.setRaw("numbers", states.string)
        json.setRaw("outbox", outboxJSON.string)
        json.set("unroutable", unroutable)
        return json.string
    }
}
