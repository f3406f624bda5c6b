import Foundation
@testable import NumberActors
import Snapshot
import Testing

/// Snapshots every N records, in the background, and the journal retention that follows them.
@Suite struct EngineAutomaticSnapshotTests {
    @Test func snapshotsEveryNRecordsReleaseCoveredSegmentsAndRecoverTheSameState() async throws {
        let data = DataDirectory(NSTemporaryDirectory() + "nn-auto-snap-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        var options = EngineOptions()
        options.snapshotEvery = 40
        options.journal.segmentBytes = 2048
        let engine = try NumberEngine.open(data, options: options)
        let numbers = (0..<10).map { "num_\($0)" }
        for number in numbers {
            _ = try await engine.ingest(IncomingEvent(channel: "api", numberID: number, keys: [RouteKey(.e164, "+1415555\(number.suffix(1))000")],
                                                      source: EventSource(eventID: "res_\(number)", time: 1_767_225_600),
                                                      payload: .reserved(Reservation(e164: "+1415555\(number.suffix(1))000", customer: "cus_\(number)", skuID: "sku"))))
        }
        for serial in 0..<300 {
            let number = numbers[serial % numbers.count]
            _ = try await engine.ingest(IncomingEvent(channel: "sms", numberID: number, source: EventSource(eventID: "sms_\(serial)", time: 1_767_225_600 + Int64(serial)),
                                                      payload: .smsReceived(InboundSMS(from: "+15550001", to: "+14155550000", text: "message \(serial)"))))
        }
        // Background snapshots run on their own; wait (with a deadline) until two are kept.
        let deadline = Date().addingTimeInterval(20)
        while try SnapshotStore(directory: data.snapshotsPath).list().count < 2 || engine.snapshots.last == nil {
            #expect(Date() < deadline, "no automatic snapshots after 20 s: \(String(describing: engine.snapshots.lastError))")
            if Date() >= deadline { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        // One more on demand, so retention runs after everything above is covered (once a background one that
        // may still be running has finished: the engine takes one at a time and refuses a second).
        var taken: SnapshotResult?
        while taken == nil {
            do {
                taken = try await engine.snapshot()
            } catch EngineError.unavailable(let reason) where reason.hasPrefix("a snapshot is already") && Date() < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        let last = taken!
        #expect(engine.snapshots.lastError == nil)
        let kept = try SnapshotStore(directory: data.snapshotsPath).list()
        #expect(kept.count == 2)
        let segments = try JournalDirectory.segments(in: data.journalPath)
        #expect(segments.first!.firstSequence > 1, "covered segments were released")
        #expect(segments.first!.firstSequence <= kept[0].sequence + 1, "nothing newer than the older snapshot was released")
        var live: [String: NumberEntry] = [:]
        for number in numbers { live[number] = await engine.number(number) }
        engine.close()
        #expect(last.releasedSegments.allSatisfy { !FileManager.default.fileExists(atPath: $0) })

        let recovered = try NumberEngine.recoverState(data)
        for number in numbers { #expect(recovered.numbers[number] == live[number], "\(number)") }
    }

    /// Found by the crash harness: a server killed before writing `snapshotEvery` records after each start
    /// never took a snapshot, so every restart replayed a longer journal tail.
    @Test func recordsReplayedAtStartCountTowardsTheNextSnapshot() async throws {
        let data = DataDirectory(NSTemporaryDirectory() + "nn-auto-snap-restart-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(atPath: data.path) }
        var options = EngineOptions()
        options.snapshotEvery = 10
        func sms(_ serial: Int) -> IncomingEvent {
            IncomingEvent(channel: "sms", numberID: "num_r", source: EventSource(eventID: "sms_\(serial)", time: 1_767_225_600 + Int64(serial)),
                          payload: .smsReceived(InboundSMS(from: "+15550001", to: "+14155550000", text: "message \(serial)")))
        }
        // Three lives of six records each, none reaching 10 on its own.
        var serial = 0
        for life in 0..<3 {
            let engine = try NumberEngine.open(data, options: options)
            // Life 2 starts from the snapshot of life 1, which covers what was applied when it was captured
            // (without one, it would replay all 12 records).
            let replayed = engine.recovery.recordsReplayed
            #expect(life == 2 ? replayed < 6 : replayed == life * 6, "life \(life): \(replayed) replayed")
            for _ in 0..<6 {
                _ = try await engine.ingest(sms(serial))
                serial += 1
            }
            if life == 1 {
                // 6 replayed + 4 new reach 10: a snapshot is taken in the background during this life.
                let deadline = Date().addingTimeInterval(20)
                while engine.snapshots.last == nil && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
                #expect(engine.snapshots.last != nil, "\(String(describing: engine.snapshots.lastError))")
            }
            engine.close()
        }
    }
}
