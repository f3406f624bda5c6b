import Foundation
@testable import NumberActors
import Snapshot
import Synchronization
import Testing

/// DESIGN.md §Persistence: state in memory is `fold(snapshot, journal tail)`. A live run (with a snapshot
/// taken while other tasks keep ingesting) must equal recovery from the newest snapshot, from the older
/// one, from the journal alone, and from a directory whose newest snapshot is damaged.
@Suite struct EngineRecoveryPropertyTests {
    /// (seed, hold syncs around the snapshot): with `true` the journal's fdatasync is held while the snapshot
    /// takes its cut and captures the actors, so many records are queued but not yet durable at that moment.
    static let cases: [(UInt64, Bool)] = [(1, false), (42, true), (2024, false), (0xDEAD_BEEF, true), (77, true), (5150, false), (9, true), (31, false)]

    @Test(arguments: cases)
    func liveRunEqualsEveryRecovery(seed: UInt64, holdSyncs: Bool) async throws {
        let data = EF.tempData("prop-\(seed)")
        defer { EF.remove(data) }
        let steps = EngineStream.generate(seed: seed, numbers: 30, events: 400)
        var rng = EngineRNG(seed: seed ^ 0x5EED)
        let snapshotAt = Int.random(in: steps.count / 5...steps.count * 4 / 5, using: &rng)
        let io = GatedSyncIO()
        let engine = try NumberEngine.open(data, options: EF.options(io: io))

        // Phase 1: four concurrent ingesters; the task that takes step `snapshotAt` starts a snapshot and goes on.
        let first = EngineBox<Task<SnapshotResult, Error>?>(nil)
        let outcomes = try await EngineStream.ingest(steps, into: engine, tasks: 4) { index in
            guard index == snapshotAt else { return }
            first.withLock {
                $0 = Task {
                    guard holdSyncs else { return try await engine.snapshot() }
                    io.hold()
                    let waiters = { engine.live.withLock { $0.waiters.count } }
                    _ = await EF.waitUntil(seconds: 3) { io.blocked == 1 && waiters() >= 3 }
                    let before = waiters()
                    let snapshot = Task { try await engine.snapshot() }
                    // Release once the snapshot waits for durability (the actors are captured by then).
                    _ = await EF.waitUntil(seconds: 3) { waiters() > before }
                    io.release()
                    return try await snapshot.value
                }
            }
        }
        let s1 = try await #require(first.withLock { $0 }).value
        #expect(outcomes.count == steps.count, "seed \(seed)")
        // The snapshot really overlapped ingestion, and the stream exercised what it claims to.
        #expect(engine.journal.lastSequence > s1.sequence, "seed \(seed): snapshot at \(s1.sequence) did not overlap ingestion")
        let all = outcomes.flatMap(\.1)
        #expect(all.contains(.duplicate) && all.contains { if case .parked = $0 { true } else { false } }, "seed \(seed)")
        #expect(outcomes.contains { $0.0.events.count > 1 }, "seed \(seed): no batch")
        let redriven = try EF.journal(data).filter { if case .assignParked = $0.record { true } else { false } }.count
        #expect(redriven > 0, "seed \(seed): nothing parked was re-driven")

        // Phase 2: operator actions on parked events, more traffic, a second snapshot, then a tail.
        let parked = engine.parkedEvents
        if let assign = parked.first {
            _ = try await engine.assignParked(assign.id, to: "num_0", operatorName: "ann")
        }
        if parked.count > 1 { _ = try await engine.discardParked(parked[1].id, operatorName: "bob") }
        let more = EngineStream.generate(seed: seed &+ 1, numbers: 5, events: 40, orphans: 1).map { step -> EngineStep in
            // New ids (another stream), same numbers 0..<5: keeps the numbers' history growing.
            .batch(step.events.map { var e = $0; e.source.eventID += "_p2"; return e })
        }
        _ = try await EngineStream.ingest(Array(more.prefix(more.count / 2)), into: engine, tasks: 2)
        let s2 = try await engine.snapshot()
        _ = try await EngineStream.ingest(Array(more.suffix(from: more.count / 2)), into: engine, tasks: 2)
        #expect(s2.sequence > s1.sequence, "seed \(seed)")

        let live = await EF.liveState(engine)
        // The engine's reads agree with its actors.
        for (id, entry) in live.numbers {
            #expect(await engine.number(id) == entry, "seed \(seed): \(id)")
        }
        #expect(engine.parkedEvents == live.parked.all)
        engine.close()
        try checkInvariants(live, seed: seed)

        // (a) newest snapshot + tail.
        let withSnapshots = try EF.copy(data)
        defer { EF.remove(withSnapshots) }
        let (a, loadedA, replayedA, _) = try NumberEngine.recoverState(withSnapshots, store: SnapshotStore(directory: withSnapshots.snapshotsPath),
                                                                     limits: EngineLimits())
        #expect(loadedA.loaded?.sequence == s2.sequence, "seed \(seed)")
        #expect(replayedA < Int(live.globalSequence))
        expectSame(live, a, "snapshot+tail", seed: seed)

        // (b) full replay.
        let journalOnly = try EF.copy(data)
        defer { EF.remove(journalOnly) }
        try FileManager.default.removeItem(atPath: journalOnly.snapshotsPath)
        expectSame(live, try NumberEngine.recoverState(journalOnly), "full replay", seed: seed)

        // (c) only the snapshot taken during concurrent ingestion.
        let olderOnly = try EF.copy(data)
        defer { EF.remove(olderOnly) }
        try FileManager.default.removeItem(atPath: olderOnly.snapshotsPath + "/" + (s2.path as NSString).lastPathComponent)
        let (c, loadedC, _, _) = try NumberEngine.recoverState(olderOnly, store: SnapshotStore(directory: olderOnly.snapshotsPath), limits: EngineLimits())
        #expect(loadedC.loaded?.sequence == s1.sequence, "seed \(seed)")
        expectSame(live, c, "concurrent snapshot+tail", seed: seed)
        if ProcessInfo.processInfo.environment["NN_DEBUG"] != nil {
            let journal = try EF.journal(data)
            print("DEBUG seed \(seed) s1 covered \(s1.sequence) s2 \(s2.sequence)")
            for (id, entry) in live.numbers where c.numbers[id] != entry {
                let seqs = journal.filter { $0.record.numberEvent?.number == id }.map { "\($0.sequence)" + ($0.record.kind == .event ? "" : "a") }
                print("DEBUG \(id): journal \(seqs)")
                print("DEBUG   live \(entry.state.history.events.map(\.sequence)) rec \(c.numbers[id]!.state.history.events.map(\.sequence))")
            }
            var snap = EngineState()
            _ = try SnapshotStore(directory: olderOnly.snapshotsPath).loadNewest { reader in
                let lanes = RecoveryLanes(limits: EngineLimits())
                let meta = try snap.load(reader, lanes: lanes)
                lanes.finish(into: &snap)
                print("DEBUG meta \(meta)")
            }
            for (id, entry) in live.numbers where c.numbers[id] != entry {
                print("DEBUG   snapshot entry \(id) applied \(snap.numbers[id]?.state.appliedSequence ?? 0) hist \(snap.numbers[id]?.state.history.events.map(\.sequence) ?? [])")
            }
        }

        // (d) newest snapshot damaged: the engine falls back to the older one and names the bad one.
        let damaged = try EF.copy(data)
        defer { EF.remove(damaged) }
        let badPath = damaged.snapshotsPath + "/" + (s2.path as NSString).lastPathComponent
        try flipByte(in: badPath, rng: &rng)
        let reopened = try NumberEngine.open(damaged, options: EF.options())
        #expect(!holdSyncs || io.blocked == 0)
        #expect(reopened.recovery.snapshotSequence == s1.sequence, "seed \(seed)")
        #expect(reopened.recovery.rejectedSnapshots.count == 1)
        #expect(reopened.recovery.rejectedSnapshots.first?.contains(badPath) == true, "\(reopened.recovery.rejectedSnapshots)")
        expectSame(live, await EF.liveState(reopened), "reopened after damaged snapshot", seed: seed)
        reopened.close()
    }

    /// Two snapshots with small journal segments, so the second releases segments the first covers; the
    /// newest damaged still recovers through the older one and the retained journal.
    @Test func fallbackWithReleasedSegments() async throws {
        let data = EF.tempData("prop-fallback")
        defer { EF.remove(data) }
        let engine = try NumberEngine.open(data, options: EF.options(segmentBytes: 4096))
        let steps = EngineStream.generate(seed: 7, numbers: 10, events: 300)
        let third = steps.count / 3
        _ = try await EngineStream.ingest(Array(steps[..<third]), into: engine, tasks: 3)
        _ = try await engine.snapshot()
        _ = try await EngineStream.ingest(Array(steps[third..<(2 * third)]), into: engine, tasks: 3)
        let older = try await engine.snapshot()
        _ = try await EngineStream.ingest(Array(steps[(2 * third)...]), into: engine, tasks: 3)
        let newest = try await engine.snapshot()
        #expect(!newest.releasedSegments.isEmpty, "small segments should be released")
        let live = await EF.liveState(engine)
        engine.close()
        #expect(try SnapshotStore(directory: data.snapshotsPath).list().map(\.sequence) == [older.sequence, newest.sequence])

        var rng = EngineRNG(seed: 7)
        try flipByte(in: newest.path, rng: &rng)
        let reopened = try NumberEngine.open(data, options: EF.options(segmentBytes: 4096))
        defer { reopened.close() }
        #expect(reopened.recovery.snapshotSequence == older.sequence)
        #expect(reopened.recovery.rejectedSnapshots.count == 1 && reopened.recovery.rejectedSnapshots[0].contains(newest.path))
        expectSame(live, await EF.liveState(reopened), "fallback", seed: 7)
        expectSame(live, try NumberEngine.recoverState(data), "recoverState fallback", seed: 7)
    }

    private func expectSame(_ live: EngineState, _ other: EngineState, _ label: String, seed: UInt64) {
        let diffs = EF.differences(live, other, "live", label)
        #expect(diffs.isEmpty, "seed \(seed): live vs \(label): \(diffs.prefix(8).joined(separator: " | "))")
    }

    /// Sanity of the live state itself (so equal-but-wrong states do not pass silently).
    private func checkInvariants(_ live: EngineState, seed: UInt64) throws {
        #expect(live.numbers.count >= 30, "seed \(seed)")
        for (id, entry) in live.numbers {
            let sequences = entry.state.history.events.map(\.sequence)
            #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 }, "seed \(seed): \(id) history order")
            #expect(entry.state.appliedSequence == sequences.last, "seed \(seed): \(id)")
        }
        // Every parked event is really unroutable with the indexes as they are.
        for parked in live.parked.all {
            #expect(live.router.resolve(parked.event.keys) == nil,
                    "seed \(seed): parked \(parked.id) (\(parked.event.source.eventID)) routes to \(live.router.resolve(parked.event.keys) ?? "")")
        }
    }

    private func flipByte(in path: String, rng: inout EngineRNG) throws {
        var bytes = try FileSystem.read(path)
        let offset = Int.random(in: bytes.count / 2..<bytes.count, using: &rng)
        bytes[offset] ^= 0x5A
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
