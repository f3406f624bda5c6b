@testable import NumberActors
import Snapshot
import Synchronization
import Testing

/// DESIGN.md §Persistence: a write or fsync error is fatal to the writer: stop accepting, recover from disk.
/// And §Flow: acknowledge after durability, never before.
@Suite struct EngineJournalFailureTests {
    @Test func syncFailureStopsTheEngineAndReopenRecoversAcknowledged() async throws {
        let data = EF.tempData("jfail")
        defer { EF.remove(data) }
        let io = FailingSyncIO(syncsBeforeFailure: 5)
        let engine = try NumberEngine.open(data, options: EF.options(io: io))
        var acknowledged: [(IncomingEvent, IngestOutcome)] = []
        for i in 0..<5 {
            let event = EF.sms("sms_\(i)", number: "num_1")
            acknowledged.append((event, try await engine.ingest(event)))
        }
        #expect(acknowledged.map(\.1) == (1...5).map { .accepted(number: "num_1", sequence: UInt64($0)) })
        // The sixth sync fails: the caller hears `unavailable`, not success.
        await #expect { try await engine.ingest(EF.sms("sms_5", number: "num_1")) } throws: { error in
            if case EngineError.unavailable = error { return true }
            return false
        }
        #expect(engine.failure != nil)
        let syncs = io.syncCalls
        // Later calls fail at once, without reaching the journal.
        for i in 6..<9 {
            await #expect { try await engine.ingest(EF.sms("sms_\(i)", number: "num_1")) } throws: { error in
                if case EngineError.unavailable = error { return true }
                return false
            }
        }
        await #expect { try await engine.ingest([EF.cdr("cdr_x", number: "num_2")]) } throws: { ($0 as? EngineError).map { if case .unavailable = $0 { true } else { false } } ?? false }
        await #expect { try await engine.discardParked(1, operatorName: "ops") } throws: { ($0 as? EngineError).map { if case .unavailable = $0 { true } else { false } } ?? false }
        #expect(io.syncCalls == syncs)
        #expect(await engine.number("num_1")?.state.version == 5)
        engine.close()

        let reopened = try NumberEngine.open(data, options: EF.options())
        defer { reopened.close() }
        #expect(reopened.failure == nil)
        for (event, _) in acknowledged { #expect(try await reopened.ingest(event) == .duplicate) }
        let entry = try #require(await reopened.number("num_1"))
        #expect(entry.state.version >= 5)
        #expect(Set(entry.state.history.sms.map(\.uuid)).isSuperset(of: acknowledged.map(\.0.source.eventID)))
        #expect(try await reopened.ingest(EF.sms("sms_new", number: "num_1")) != .duplicate)
    }

    @Test func syncFailureUnderConcurrentLoad() async throws {
        let data = EF.tempData("jfail-load")
        defer { EF.remove(data) }
        let io = FailingSyncIO(syncsBeforeFailure: 12)
        let engine = try NumberEngine.open(data, options: EF.options(io: io))
        let acknowledged = EngineBox<[(IncomingEvent, IngestOutcome)]>([])
        let refused = EngineBox(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<16 {
                group.addTask {
                    for i in 0..<40 {
                        let event = i % 3 == 0
                            ? EF.invoicePaid("evt_\(t)_\(i)", subscription: "sub_\(t)_\(i)", periodEnd: EF.t0) // parked
                            : EF.cdr("cdr_\(t)_\(i)", number: "num_\(t % 5)")
                        do {
                            let outcome = try await engine.ingest(event)
                            acknowledged.withLock { $0.append((event, outcome)) }
                        } catch let error as EngineError {
                            guard case .unavailable = error else { Issue.record("unexpected \(error)"); return }
                            refused.withLock { $0 += 1 }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let acked = acknowledged.withLock { $0 }
        #expect(!acked.isEmpty)
        #expect(refused.withLock { $0 } > 0)
        // Nothing acknowledged after the failure can be beyond what was durable.
        let durable = engine.journal.lastSequence
        for (event, outcome) in acked {
            #expect((outcome.journalSequence ?? 0) <= durable, "\(event.source.eventID) acknowledged at \(outcome) beyond durable \(durable)")
        }
        engine.close()

        let reopened = try NumberEngine.open(data, options: EF.options())
        defer { reopened.close() }
        let parkedIDs = Set(reopened.parkedEvents.map(\.id))
        for (event, outcome) in acked {
            if case .parked(let id) = outcome { #expect(parkedIDs.contains(id), "parked \(id) lost") }
            #expect(try await reopened.ingest(event) == .duplicate, "acknowledged \(event.source.eventID) lost")
        }
        let journal = try EF.journal(data)
        for (event, _) in acked { #expect(EF.count(event, in: journal) == 1) }
    }

    /// One event larger than the journal's record limit is refused on its own; the engine keeps accepting.
    @Test func oversizedEventDoesNotStopTheEngine() async throws {
        let data = EF.tempData("jfail-big")
        defer { EF.remove(data) }
        var options = EF.options()
        options.journal.maxRecordBytes = 1024
        let engine = try NumberEngine.open(data, options: options)
        defer { engine.close() }
        var big = EF.sms("sms_big", number: "num_1")
        big.payload = .smsReceived(InboundSMS(from: "+15550001", to: "", text: String(repeating: "x", count: 4096)))
        await #expect(throws: (any Error).self) { try await engine.ingest(big) }
        #expect(engine.failure == nil, "one oversized event made the whole engine unavailable: \(engine.failure ?? "")")
        let next = await Self.outcome { try await engine.ingest(EF.sms("sms_small", number: "num_1")) }
        #expect(next == "accepted(number: \"num_1\", sequence: 1)", "next event: \(next)")
    }

    private static func outcome(_ body: () async throws -> IngestOutcome) async -> String {
        do { return "\(try await body())" } catch { return "error: \(error)" }
    }
}

/// DESIGN.md (Layers, Persistence): one process owns a data directory.
@Suite struct EngineLockTests {
    @Test func secondOpenFailsUntilFirstIsClosed() async throws {
        let data = EF.tempData("lock")
        defer { EF.remove(data) }
        let first = try NumberEngine.open(data, options: EF.options())
        _ = try await first.ingest(EF.sms("sms_1", number: "num_1"))
        for _ in 0..<2 {
            #expect { _ = try NumberEngine.open(data, options: EF.options()) } throws: { error in
                if case StorageError.directoryLocked(let path) = error { return path == data.lockPath }
                return false
            }
        }
        // The failed opens did not disturb the owner.
        #expect(try await first.ingest(EF.sms("sms_2", number: "num_1")) == .accepted(number: "num_1", sequence: 2))
        first.close()
        let second = try NumberEngine.open(data, options: EF.options())
        #expect(await second.number("num_1")?.state.version == 2)
        #expect { _ = try NumberEngine.open(data, options: EF.options()) } throws: { error in
            if case StorageError.directoryLocked = error { return true }
            return false
        }
        second.close()
        await #expect(throws: EngineError.closed) { try await second.ingest(EF.sms("sms_3", number: "num_1")) }
        let third = try NumberEngine.open(data, options: EF.options())
        third.close()
    }
}
