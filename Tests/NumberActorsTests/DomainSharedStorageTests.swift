import Testing
@testable import NumberActors

/// Storage that keeps a number small: rare facts out of line, and decoded strings sharing their storage
/// the way the live transition shares them.
@Suite struct DomainSharedStorageTests {
    private func utf8Address(_ text: String) -> UnsafeRawPointer? {
        var text = text
        return text.withUTF8 { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func repeatedLongStringsDecodeToOneStorage() throws {
        let id = "evt_1NG8Du2eZvKYlo2CUI79vXWy"
        let other = "evt_1NG8Du2eZvKYlo2CUI79vXWz"  // same length, last byte differs
        var writer = DomainWriter()
        for text in [id, other, id, "short", id] { writer.string(text) }
        var reader = DomainReader(copying: writer.bytes)
        let decoded = try (0..<5).map { _ in try reader.string() }
        #expect(decoded == [id, other, id, "short", id])
        #expect(utf8Address(decoded[0]) == utf8Address(decoded[2]))
        #expect(utf8Address(decoded[0]) == utf8Address(decoded[4]))
        #expect(utf8Address(decoded[0]) != utf8Address(decoded[1]))
    }

    @Test func aStringOutOfTheRecentWindowIsDecodedAgainWithTheSameValue() throws {
        var writer = DomainWriter()
        let first = "customer-with-a-long-identifier-0"
        writer.string(first)
        for i in 0..<40 { writer.string("customer-with-a-long-identifier-\(i + 1)") }
        writer.string(first)
        var reader = DomainReader(copying: writer.bytes)
        let decoded = try (0..<42).map { _ in try reader.string() }
        #expect(decoded.first == first && decoded.last == first)
        #expect(Set(decoded).count == 41)
    }

    @Test func aDecodedStateSharesTheEventIDsOfItsFactsAndHistory() throws {
        var h = Harness.live()
        h.apply(sms("hello"), id: "sms_0d5c2a7e-6c83-4a55-a2d1-0b5b7a0d7f11")
        let decoded = try DomainCodec.decodeState(DomainCodec.encode(h.state))
        #expect(decoded == h.state)
        let smsEntry = try #require(decoded.history.sms.last)
        let eventEntry = try #require(decoded.history.events.last)
        #expect(smsEntry.uuid == eventEntry.eventID)
        #expect(utf8Address(smsEntry.uuid) == utf8Address(eventEntry.eventID))
    }

    @Test func rareFactsCompareByValueWhetherOrNotTheirBoxExists() {
        var withBox = NumberFacts()
        withBox.disputesOpened.insert("dp_1")
        withBox.disputesOpened.remove("dp_1")
        let without = NumberFacts()
        #expect(withBox == without)
        #expect(withBox.hashValue == without.hashValue)
        // Assigning nothing allocates nothing, and changes nothing.
        var assigned = NumberFacts()
        assigned.providerBlock = nil
        assigned.cancellations = [:]
        #expect(assigned == without)
    }

    @Test func rareFactsAreCopiedOnWrite() {
        var original = NumberFacts()
        original.providerBlock = Stamped(true, at: EventStamp(time: 1, eventID: "b1"))
        original.disputesOpened.insert("dp_1")
        var copy = original
        copy.providerBlock = Stamped(false, at: EventStamp(time: 2, eventID: "b2"))
        copy.disputesOpened.insert("dp_2")
        copy.cancellations[.operatorCancel] = EventStamp(time: 3, eventID: "c1")
        #expect(original.providerBlock?.value == true)
        #expect(original.disputesOpened == ["dp_1"])
        #expect(original.cancellations.isEmpty)
        #expect(copy.providerBlock?.value == false)
        #expect(copy.disputesOpened == ["dp_1", "dp_2"])
        #expect(copy.isCancelled)
        #expect(!original.isCancelled)
    }

    @Test func rareFactsSurviveTheCodec() throws {
        var h = Harness.live()
        h.apply(.disputeOpened(disputeID: "dp_1", status: "needs_response"))
        h.apply(.providerBlocked)
        h.apply(.operatorHold(operatorName: "ops"))
        #expect(h.state.status == LifecycleStatus(.suspended, reason: "operator_hold"))
        let decoded = try DomainCodec.decodeState(DomainCodec.encode(h.state))
        #expect(decoded == h.state)
        #expect(decoded.facts.disputesOpened == ["dp_1"])
        #expect(decoded.facts.providerBlock?.value == true)
        #expect(decoded.facts.operatorHold?.value.operatorName == "ops")
    }
}

/// History event entries are packed into 40 bytes; values that do not fit keep their exact value.
@Suite struct CompactEventEntryTests {
    @Test func entriesArePackedIntoFortyBytes() {
        #expect(MemoryLayout<CompactEventEntry>.stride == 40)
    }

    @Test func valuesOutsideThePackedRangesSurviveExactly() throws {
        let cases: [(version: UInt64, sequence: UInt64, time: UnixSeconds)] = [
            (1, 1, CompactEventEntry.timeBase),                                   // the smallest packed time
            (UInt64(UInt32.max), 1 << 48 - 1, CompactEventEntry.timeBase + Int64(UInt32.max)),  // the largest packed values
            (UInt64(UInt32.max) + 1, 7, 1_767_225_600),                           // version too wide
            (3, 1 << 48, 1_767_225_600),                                          // sequence too wide
            (3, 9, CompactEventEntry.timeBase - 1),                               // before 2020
            (3, 9, CompactEventEntry.timeBase + Int64(UInt32.max) + 1),           // after 2156
            (UInt64.max, UInt64.max, Int64.min),
        ]
        for (version, sequence, time) in cases {
            let entry = EventHistoryEntry(version: version, sequence: sequence, time: time, kind: "sms_received",
                                          eventID: "sms_\(sequence)", outcome: .ignored(reason: IgnoreReason.duplicate))
            let compact = CompactEventEntry(entry)
            #expect(compact.entry == entry)
            var state = NumberState(id: "num_wide")
            state.history = NumberHistory(capacity: 4, events: [entry], calls: [], sms: [], voicemails: [])
            let decoded = try DomainCodec.decodeState(DomainCodec.encode(state))
            #expect(decoded.history.events == [entry])
            #expect(decoded == state)
        }
    }

    @Test func equalEntriesAreEqualHoweverTheyWereBuilt() {
        let entry = EventHistoryEntry(version: 2, sequence: 5, time: 1_767_225_600, kind: "reserved", eventID: "res_1",
                                      outcome: .applied)
        let viaEntry = CompactEventEntry(entry)
        let viaCodes = CompactEventEntry(version: 2, sequence: 5, time: 1_767_225_600,
                                         kind: DomainEventPayload.kindCode("reserved")!, eventID: "res_1", outcome: .applied)
        #expect(viaEntry == viaCodes)
        #expect(viaEntry.hashValue == viaCodes.hashValue)
        #expect(viaEntry != CompactEventEntry(EventHistoryEntry(version: 2, sequence: 6, time: 1_767_225_600,
                                                                kind: "reserved", eventID: "res_1", outcome: .applied)))
    }
}

/// A number's box stays within the malloc size class it was fitted to (a field added carelessly costs every
/// number 16 bytes): 16 bytes of object header plus the fields, plus malloc's 8, within 560.
@Suite struct NumberStateLayoutTests {
    @Test func theBoxFitsItsSizeClass() {
        #expect(16 + MemoryLayout<NumberState.Fields>.size + 8 <= 560)
    }

    @Test func paidThroughKeepsEveryValueButTheSentinel() {
        var facts = NumberFacts()
        #expect(facts.paidThrough == nil)
        for value: UnixSeconds in [0, -1, 1_767_225_600, .max, .min + 1] {
            facts.paidThrough = value
            #expect(facts.paidThrough == value)
        }
        facts.paidThrough = nil
        #expect(facts.paidThrough == nil)
    }
}
