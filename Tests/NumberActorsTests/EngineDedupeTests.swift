@testable import NumberActors
import Snapshot
import Synchronization
import Testing

/// DESIGN.md §Persistence (Dedupe) and §Flow: a provider event id is applied once, across restarts, and
/// every caller (also a duplicate's) hears back only once the first delivery is durable.
@Suite struct EngineDedupeTests {
    @Test func duplicateChangesNothing() async throws {
        let data = EF.tempData("dedupe")
        defer { EF.remove(data) }
        let engine = try NumberEngine.open(data, options: EF.options())
        defer { engine.close() }
        let reserve = EF.reserve("num_1", customer: "cus_1", e164: EF.e164(1))
        #expect(try await engine.ingest(reserve) == .accepted(number: "num_1", sequence: 1))
        let sms = EF.sms("sms_1", number: "num_1")
        #expect(try await engine.ingest(sms) == .accepted(number: "num_1", sequence: 2))
        let before = try #require(await engine.number("num_1"))
        for event in [reserve, sms, sms] {
            #expect(try await engine.ingest(event) == .duplicate)
        }
        // Same id on another channel is another event.
        var other = sms
        other.channel = "cdr"
        other.payload = .callRecorded(CallRecord(durationSeconds: 5, success: true))
        #expect(try await engine.ingest(other) == .accepted(number: "num_1", sequence: 3))
        #expect(try await engine.ingest(other) == .duplicate)
        let after = try #require(await engine.number("num_1"))
        #expect(after.state.version == before.state.version + 1)
        #expect(engine.journal.lastSequence == 3)
        #expect(try EF.journal(data).count == 3)
    }

    @Test(arguments: [false, true])
    func duplicatesRecognisedAfterReopen(withSnapshot: Bool) async throws {
        let data = EF.tempData("dedupe-reopen")
        defer { EF.remove(data) }
        var events = [EF.reserve("num_1", customer: "cus_1", e164: EF.e164(1))]
        events += (0..<20).map { EF.sms("sms_\($0)", number: "num_1") }
        events.append(EF.invoicePaid("evt_orphan", subscription: "sub_unknown", periodEnd: EF.t0 + 100)) // parked
        let engine = try NumberEngine.open(data, options: EF.options())
        for event in events { _ = try await engine.ingest(event) }
        if withSnapshot { _ = try await engine.snapshot() }
        let entry = try #require(await engine.number("num_1"))
        engine.close()

        let reopened = try NumberEngine.open(data, options: EF.options())
        defer { reopened.close() }
        #expect(reopened.recovery.snapshotSequence == (withSnapshot ? 22 : nil))
        for event in events {
            #expect(try await reopened.ingest(event) == .duplicate, "\(event.source.eventID) applied again after reopen")
        }
        #expect(try await reopened.ingest(events) == Array(repeating: .duplicate, count: events.count))
        #expect(try #require(await reopened.number("num_1")) == entry)
        #expect(reopened.journal.lastSequence == 22)
        #expect(reopened.parkedEvents.map(\.id) == [22])
    }

    @Test func concurrentDeliveriesJournaledOnceAndAnsweredAfterDurability() async throws {
        let data = EF.tempData("dedupe-gate")
        defer { EF.remove(data) }
        let io = GatedSyncIO()
        let engine = try NumberEngine.open(data, options: EF.options(io: io))
        defer { engine.close() }
        _ = try await engine.ingest(EF.reserve("num_1", customer: "cus_1", e164: EF.e164(1)))

        for deliveries in [2, 40] {
            let event = EF.sms("sms_concurrent_\(deliveries)", number: "num_1")
            let answered = EngineBox(0)
            io.hold()
            let outcomes = try await withThrowingTaskGroup(of: (IngestOutcome, UInt64).self) { group -> [(IngestOutcome, UInt64)] in
                for _ in 0..<deliveries {
                    group.addTask {
                        let outcome = try await engine.ingest(event)
                        answered.withLock { $0 += 1 }
                        return (outcome, engine.journal.lastSequence)
                    }
                }
                // Every delivery has been decided (one record in flight, the rest waiting on it), the sync is held.
                let allWaiting = await EF.waitUntil {
                    io.blocked == 1 && engine.live.withLock { $0.waiters.count } == deliveries
                }
                #expect(allWaiting, "deliveries did not all reach the engine (blocked \(io.blocked))")
                #expect(answered.withLock { $0 } == 0, "a caller was answered before its event was durable")
                io.release()
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let accepted = outcomes.compactMap { $0.0.journalSequence }
            #expect(accepted.count == 1, "\(deliveries) deliveries: \(outcomes.map(\.0))")
            #expect(outcomes.filter { $0.0 == .duplicate }.count == deliveries - 1)
            let sequence = try #require(accepted.first)
            // Each caller saw the record durable (journal's durable sequence) when it was answered.
            for (_, durable) in outcomes { #expect(durable >= sequence) }
            #expect(EF.count(event, in: try EF.journal(data)) == 1)
        }
        let entry = try #require(await engine.number("num_1"))
        #expect(entry.state.version == 3)
    }

    @Test func manyConcurrentDuplicatesUnderLoad() async throws {
        let data = EF.tempData("dedupe-many")
        defer { EF.remove(data) }
        let engine = try NumberEngine.open(data, options: EF.options())
        defer { engine.close() }
        let events = (0..<20).map { EF.cdr("cdr_\($0)", number: "num_\($0 % 4)") }
        let outcomes = try await withThrowingTaskGroup(of: [IngestOutcome].self) { group -> [IngestOutcome] in
            for task in 0..<16 {
                group.addTask {
                    var result: [IngestOutcome] = []
                    for event in task % 2 == 0 ? events : events.reversed() { result.append(try await engine.ingest(event)) }
                    return result
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(outcomes.filter { $0 != .duplicate }.count == events.count)
        let journal = try EF.journal(data)
        #expect(journal.count == events.count)
        for event in events { #expect(EF.count(event, in: journal) == 1, "\(event.source.eventID)") }
        for k in 0..<4 { #expect(await engine.number("num_\(k)")?.state.version == 5) }
    }

    @Test func duplicateInsideOneBatchCountsOnce() async throws {
        let data = EF.tempData("dedupe-batch")
        defer { EF.remove(data) }
        let engine = try NumberEngine.open(data, options: EF.options())
        defer { engine.close() }
        let a = EF.cdr("cdr_a", number: "num_1", seconds: 10)
        let b = EF.cdr("cdr_b", number: "num_1", seconds: 20)
        let outcomes = try await engine.ingest([a, b, a, a, b])
        #expect(outcomes == [.accepted(number: "num_1", sequence: 1), .accepted(number: "num_1", sequence: 2),
                             .duplicate, .duplicate, .duplicate])
        let entry = try #require(await engine.number("num_1"))
        #expect(entry.state.version == 2)
        #expect(entry.state.usage?.usage.calls == 2)
        #expect(entry.state.usage?.usage.callSeconds == 30)
        #expect(try EF.journal(data).count == 2)
        // A batch of nothing but known events journals nothing.
        #expect(try await engine.ingest([b, a]) == [.duplicate, .duplicate])
        #expect(engine.journal.lastSequence == 2)
    }
}
