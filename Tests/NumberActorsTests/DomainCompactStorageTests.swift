import Testing
@testable import NumberActors

/// The compact in-memory layouts (history rings with coded kinds, sorted usage ledger, boxed state) behave
/// like the plain collections they replaced.
@Suite struct DomainCompactStorageTests {
    @Test func historyRingKeepsTheNewestInOrderAndComparesByContent() throws {
        var a = Harness(historyCapacity: 3)
        for i in 0..<7 { a.apply(sms("m\(i)"), id: "sms_\(i)") }
        #expect(a.state.history.sms.map(\.uuid) == ["sms_4", "sms_5", "sms_6"])
        #expect(a.state.history.events.map(\.eventID) == ["sms_4", "sms_5", "sms_6"])
        // The same entries stored from the start (as decoding does) are equal, and hash alike.
        let decoded = try DomainCodec.decodeState(DomainCodec.encode(a.state))
        #expect(decoded.history == a.state.history)
        #expect(decoded.history.hashValue == a.state.history.hashValue)
        #expect(decoded == a.state)
    }

    @Test func unknownHistoryNamesSurviveARoundTrip() throws {
        let entries = [
            EventHistoryEntry(version: 1, sequence: 1, time: 5, kind: "from_the_future", eventID: "e1",
                              outcome: .ignored(reason: "some_new_reason")),
            EventHistoryEntry(version: 2, sequence: 2, time: 6, kind: "reserved", eventID: "e2",
                              outcome: .ignored(reason: "another_reason")),
            EventHistoryEntry(version: 3, sequence: 3, time: 7, kind: "brand_new", eventID: "e3", outcome: .applied),
            EventHistoryEntry(version: 4, sequence: 4, time: 8, kind: "sms_received", eventID: "e4",
                              outcome: .ignored(reason: IgnoreReason.duplicate)),
        ]
        var state = NumberState(id: "num_x")
        state.history = NumberHistory(capacity: 8, events: entries, calls: [], sms: [], voicemails: [])
        #expect(state.history.events == entries)
        let decoded = try DomainCodec.decodeState(DomainCodec.encode(state))
        #expect(decoded.history.events == entries)
        #expect(decoded == state)
    }

    @Test func ledgerDecodesHashesInAnyOrder() throws {
        var h = Harness.live()
        h.apply(call(seconds: 10), id: "cdr_b")
        h.apply(call(seconds: 10), id: "cdr_a")
        h.apply(sms(), id: "sms_a")
        let ledger = h.state.facts.usage
        // Rebuilt from unsorted dictionaries and sets, it is the same ledger.
        let rebuilt = UsageLedger(months: ledger.months, counted: ledger.counted)
        #expect(rebuilt == ledger)
        #expect(ledger.counted.values.reduce(0) { $0 + $1.count } == 3)
        // A duplicate id still counts once.
        h.apply(call(seconds: 10), id: "cdr_a")
        #expect(h.lastOutcome == .ignored(reason: IgnoreReason.duplicate))
    }

    @Test func copiesOfAStateAreIndependent() {
        let h = Harness.live()
        var copy = h.state
        copy.facts.paid = false
        copy.history = NumberHistory()
        #expect(h.state.facts.paid)
        #expect(!h.state.history.events.isEmpty)
        #expect(copy != h.state)
        // transition leaves the caller's copy untouched.
        let before = h.state
        let (after, _) = NumberLifecycle.transition(h.state, DomainEvent(
            numberID: "num_1", source: EventSource(eventID: "x", time: baseTime), payload: .providerBlocked),
            at: JournalPosition(sequence: 99, recordTime: baseTime))
        #expect(h.state == before)
        #expect(after.version == before.version + 1)
    }
}
