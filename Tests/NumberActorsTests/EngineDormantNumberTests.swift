@testable import NumberActors
import Snapshot
import Testing

/// Numbers recovered from disk stay plain values until an event reaches them: reads, snapshots and the
/// first event after a restart see exactly the recovered state.
@Suite struct EngineDormantNumberTests {
    private func populate(_ data: DataDirectory, numbers: Int) async throws {
        let engine = try NumberEngine.open(data, options: EF.options())
        for k in 0..<numbers {
            _ = try await engine.ingest(EF.reserve("num_\(k)", customer: "cus_\(k)", e164: EF.e164(k)))
            _ = try await engine.ingest(EF.sms("sms_\(k)", to: EF.e164(k)))
        }
        if numbers > 1 { _ = try await engine.snapshot() }
        _ = try await engine.ingest(EF.sms("sms_tail", to: EF.e164(0)))
        engine.close()
    }

    @Test func readsAndSnapshotsOfUntouchedNumbersSeeTheRecoveredState() async throws {
        let data = EF.tempData("dormant-read")
        defer { EF.remove(data) }
        try await populate(data, numbers: 4)
        let recovered = try NumberEngine.recoverState(data)

        let engine = try NumberEngine.open(data, options: EF.options())
        #expect(engine.live.withLock { $0.actors.count } == 0)
        for (id, entry) in recovered.numbers {
            #expect(await engine.number(id) == entry)
        }
        #expect(await engine.number("num_unknown") == nil)
        // Reads create no actors; a snapshot of dormant numbers recovers to the same state.
        #expect(engine.live.withLock { $0.actors.count } == 0)
        _ = try await engine.snapshot()
        engine.close()
        let again = try NumberEngine.recoverState(data)
        #expect(EF.differences(recovered, again, "before", "after snapshot of dormant numbers").isEmpty)
    }

    @Test func theFirstEventAfterARestartAppliesOnTopOfTheRecoveredState() async throws {
        let data = EF.tempData("dormant-wake")
        defer { EF.remove(data) }
        try await populate(data, numbers: 3)
        let recovered = try NumberEngine.recoverState(data)

        let engine = try NumberEngine.open(data, options: EF.options())
        let outcome = try await engine.ingest(EF.sms("sms_after", to: EF.e164(1)))
        #expect(outcome == .accepted(number: "num_1", sequence: engine.journal.lastSequence))
        let woken = try #require(await engine.number("num_1"))
        #expect(woken.state.version == recovered.numbers["num_1"]!.state.version + 1)
        #expect(woken.state.history.sms.map(\.uuid) == ["sms_1", "sms_after"])
        // Only the woken number has an actor; a snapshot mixes it with the dormant ones.
        #expect(engine.live.withLock { $0.actors.count } == 1)
        _ = try await engine.snapshot()
        let live = await EF.liveState(engine)
        #expect(engine.actors.count == 3)
        engine.close()
        let again = try NumberEngine.recoverState(data)
        #expect(EF.differences(live, again, "live", "recovered").isEmpty)
    }

    @Test func scansAndIdListsSeeEveryNumberWithoutWakingTheDormantOnes() async throws {
        let data = EF.tempData("dormant-scan")
        defer { EF.remove(data) }
        try await populate(data, numbers: 5)
        let engine = try NumberEngine.open(data, options: EF.options())
        _ = try await engine.ingest(EF.sms("sms_awake", to: EF.e164(2)))
        #expect(engine.live.withLock { $0.actors.count } == 1)
        #expect(engine.numberIDs.sorted() == (0..<5).map { "num_\($0)" })
        var versions: [String: UInt64] = [:]
        await engine.forEachNumber { versions[$0.id] = $0.version }
        #expect(versions.count == 5)
        #expect(versions["num_2"] == (await engine.number("num_2"))?.state.version)
        // The scan read the four dormant numbers as they are: still one actor.
        #expect(engine.live.withLock { $0.actors.count } == 1)
        engine.close()
    }
}
