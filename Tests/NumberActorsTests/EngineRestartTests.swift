@testable import NumberActors
import Snapshot
import Synchronization
import Testing

/// Stop and reopen at random points of a seeded stream: nothing acknowledged is lost, duplicates stay
/// duplicates, and no number's version ever goes down.
@Suite struct EngineRestartTests {
    @Test(arguments: [3, 99, 31337, 8, 600] as [UInt64])
    func restartsAtRandomPoints(seed: UInt64) async throws {
        let data = EF.tempData("restart-\(seed)")
        defer { EF.remove(data) }
        var rng = EngineRNG(seed: seed)
        let steps = EngineStream.generate(seed: seed, numbers: 15, events: 250)
        let restarts = Set((0..<5).map { _ in Int.random(in: 1..<steps.count, using: &rng) }).sorted() + [steps.count]
        var engine = try NumberEngine.open(data, options: EF.options())
        var acknowledged: [IncomingEvent] = []
        var start = 0
        for (round, stop) in restarts.enumerated() {
            let chunk = Array(steps[start..<stop])
            start = stop
            let closeUnderLoad = round % 2 == 1
            let results = EngineBox<[(IncomingEvent, Bool)]>([])
            let running = engine
            let cursor = EngineBox(0)
            // Ingest the chunk from three tasks; on odd rounds, close the engine while they are running.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        while let index = cursor.withLock({ i -> Int? in defer { i += 1 }; return i < chunk.count ? i : nil }) {
                            let events = chunk[index].events
                            do {
                                let outcomes = try await running.ingest(events)
                                #expect(outcomes.count == events.count)
                                results.withLock { $0 += events.map { ($0, true) } }
                            } catch EngineError.closed {
                                results.withLock { $0 += events.map { ($0, false) } }
                            }
                        }
                    }
                }
                if closeUnderLoad {
                    _ = await EF.waitUntil { cursor.withLock { $0 } >= chunk.count / 2 }
                    running.close()
                }
                try await group.waitForAll()
            }
            let outcome = results.withLock { $0 }
            acknowledged += outcome.filter(\.1).map(\.0)
            if !closeUnderLoad, rng.chance(0.5) { _ = try await running.snapshot() }
            running.close()
            let before = await EF.liveState(running)

            engine = try NumberEngine.open(data, options: EF.options())
            let after = await EF.liveState(engine)
            for (id, entry) in before.numbers {
                let version = after.numbers[id]?.state.version ?? 0
                #expect(version >= entry.state.version, "seed \(seed) round \(round): \(id) version \(entry.state.version) → \(version)")
            }
            let diffs = EF.differences(before, after, "before close", "after reopen")
            #expect(diffs.isEmpty, "seed \(seed) round \(round): \(diffs.prefix(6).joined(separator: " | "))")

            // Everything acknowledged so far is known; re-delivering some of it changes nothing.
            for event in acknowledged.shuffled(using: &rng).prefix(12) {
                #expect(try await engine.ingest(event) == .duplicate, "seed \(seed) round \(round): \(event.source.eventID)")
            }
            // What the closing engine refused is delivered again (the provider retries).
            for event in outcome.filter({ !$0.1 }).map(\.0) {
                _ = try await engine.ingest(event)
                acknowledged.append(event)
            }
            let afterRetries = await EF.liveState(engine)
            for (id, entry) in after.numbers {
                #expect((afterRetries.numbers[id]?.state.version ?? 0) >= entry.state.version, "seed \(seed): \(id)")
            }
        }
        // Every acknowledged event is in the journal exactly once.
        let journal = try EF.journal(data)
        var seen: [DedupeKey: Int] = [:]
        for item in journal { if case .event(let record) = item.record, let key = record.dedupe { seen[key, default: 0] += 1 } }
        for event in acknowledged { #expect(seen[event.dedupeKey] == 1, "seed \(seed): \(event.source.eventID) journaled \(seen[event.dedupeKey] ?? 0) times") }
        let final = await EF.liveState(engine)
        engine.close()
        let diffs = EF.differences(final, try NumberEngine.recoverState(data), "live", "full recovery")
        #expect(diffs.isEmpty, "seed \(seed): \(diffs.prefix(6).joined(separator: " | "))")
    }
}
