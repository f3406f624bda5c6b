@testable import NumberActors
import Snapshot
import Synchronization
import Testing

/// DESIGN.md §Concurrency: events for one number are applied in journal order, under load.
@Suite struct EngineOrderingTests {
    static let numbers = 200
    static let tasks = 32
    static let eventsPerTask = 95

    @Test func perNumberJournalOrderUnderLoad() async throws {
        let data = EF.tempData("order")
        defer { EF.remove(data) }
        let engine = try NumberEngine.open(data, options: EF.options())
        defer { engine.close() }

        // Reserve every number (concurrently), so E.164 routing works for half the traffic.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for k in 0..<Self.numbers {
                group.addTask {
                    let outcome = try await engine.ingest(EF.reserve("num_\(k)", customer: "cus_\(k)", e164: EF.e164(k)))
                    #expect(outcome == .accepted(number: "num_\(k)", sequence: outcome.journalSequence ?? 0))
                }
            }
            try await group.waitForAll()
        }

        // Flood: 32 tasks, SMS by number id, calls by E.164 (some as CDR batches), all unique ids.
        let accepted = EngineBox<[(number: String, sequence: UInt64, eventID: String)]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<Self.tasks {
                group.addTask {
                    var rng = EngineRNG(seed: UInt64(t) &+ 77)
                    var i = 0
                    while i < Self.eventsPerTask {
                        if rng.chance(0.15) {
                            let size = Int.random(in: 2...6, using: &rng)
                            let batch = (0..<size).map { j -> IncomingEvent in
                                let k = Int.random(in: 0..<Self.numbers, using: &rng)
                                return EF.cdr("cdr_\(t)_\(i + j)", to: String(EF.e164(k).dropFirst()), seconds: Int64(j + 1))
                            }
                            let outcomes = try await engine.ingest(batch)
                            #expect(outcomes.count == batch.count)
                            for (event, outcome) in zip(batch, outcomes) { Self.record(outcome, event, into: accepted) }
                            i += size
                        } else {
                            let k = Int.random(in: 0..<Self.numbers, using: &rng)
                            let event = rng.chance(0.5)
                                ? EF.sms("sms_\(t)_\(i)", number: "num_\(k)")
                                : EF.cdr("cdr_\(t)_\(i)", to: EF.e164(k))
                            Self.record(try await engine.ingest(event), event, into: accepted)
                            i += 1
                        }
                    }
                }
            }
            try await group.waitForAll()
        }

        // The authoritative order: the journal.
        let journal = try EF.journal(data)
        var perNumber: [String: [(sequence: UInt64, eventID: String)]] = [:]
        var previous: UInt64 = 0
        for item in journal {
            #expect(item.sequence == previous + 1, "journal sequences must be contiguous")
            previous = item.sequence
            if let (number, event, _) = item.record.numberEvent {
                perNumber[number, default: []].append((item.sequence, event.source.eventID))
            }
        }
        #expect(journal.count == accepted.withLock { $0.count } + Self.numbers)
        #expect(perNumber.count == Self.numbers)

        for k in 0..<Self.numbers {
            let id = "num_\(k)"
            let entry = try #require(await engine.number(id))
            let expected = perNumber[id] ?? []
            let history = entry.state.history.events
            let sequences = history.map(\.sequence)
            #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 }, "\(id): history not in increasing sequence: \(sequences)")
            // The history keeps the newest entries; they must be exactly the journal's last records for this number.
            let tail = expected.suffix(history.count)
            #expect(sequences == tail.map(\.sequence), "\(id): history \(sequences) vs journal \(tail.map(\.sequence))")
            #expect(history.map(\.eventID) == tail.map(\.eventID), "\(id): history event ids differ from the journal's")
            #expect(entry.state.appliedSequence == expected.last?.sequence, "\(id): appliedSequence \(entry.state.appliedSequence)")
            #expect(entry.state.version == UInt64(expected.count), "\(id): version \(entry.state.version), journal has \(expected.count)")
            #expect(history.count == min(expected.count, entry.state.history.capacity))
        }
        // Every accepted outcome names a record of that number, with that event.
        let index = Dictionary(uniqueKeysWithValues: journal.map { ($0.sequence, $0) })
        for item in accepted.withLock({ $0 }) {
            let record = try #require(index[item.sequence], "accepted sequence \(item.sequence) is not in the journal")
            let numberEvent = try #require(record.record.numberEvent)
            #expect(numberEvent.number == item.number)
            #expect(numberEvent.event.source.eventID == item.eventID)
            #expect(perNumber[item.number]?.contains { $0.sequence == item.sequence } == true)
        }
    }

    private static func record(_ outcome: IngestOutcome, _ event: IncomingEvent,
                        into accepted: EngineBox<[(number: String, sequence: UInt64, eventID: String)]>) {
        guard case .accepted(let number, let sequence) = outcome else {
            Issue.record("unique event \(event.source.eventID) was not accepted: \(outcome)")
            return
        }
        accepted.withLock { $0.append((number, sequence, event.source.eventID)) }
    }
}

extension IngestOutcome {
    var journalSequence: UInt64? {
        switch self {
        case .accepted(_, let sequence): return sequence
        case .parked(let id): return id
        case .duplicate: return nil
        }
    }
}
