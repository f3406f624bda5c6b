import Testing
@testable import NumberActors

/// The single-buffer history behaves like four plain arrays that keep their newest `capacity` entries,
/// whatever its internal layout (grown by pushes, sized by decoding, shared by a copy).
@Suite struct HistoryStorageTests {
    /// The plain model: four arrays, each trimmed to its newest `capacity` entries.
    struct Model {
        let capacity: Int
        var events: [EventHistoryEntry] = []
        var calls: [CallHistoryEntry] = []
        var sms: [SMSHistoryEntry] = []
        var voicemails: [VoicemailHistoryEntry] = []

        static func keep<T>(_ array: inout [T], _ entry: T, capacity: Int) {
            array.append(entry)
            if array.count > capacity { array.removeFirst() }
        }

        func matches(_ history: NumberHistory) -> Bool {
            history.events == events && history.calls == calls && history.sms == sms
                && history.voicemails == voicemails
        }
    }

    static func encoded(_ history: NumberHistory) -> [UInt8] {
        var writer = DomainWriter()
        writer.write(history)
        return writer.bytes
    }

    static func decoded(_ bytes: [UInt8]) throws(DomainCodecError) -> NumberHistory {
        var reader = DomainReader(copying: bytes)
        let history: NumberHistory = try reader.read()
        try reader.finish()
        return history
    }

    static func event(_ i: Int) -> EventHistoryEntry {
        EventHistoryEntry(version: UInt64(i), sequence: UInt64(i * 3), time: 1_767_225_600 + Int64(i),
                          kind: "sms_received", eventID: "sms_\(i)_with_a_long_heap_id", outcome: .applied)
    }
    static func call(_ i: Int) -> CallHistoryEntry {
        CallHistoryEntry(cdrID: "cdr_\(i)", time: Int64(i), durationSeconds: Int64(i % 300), success: i % 2 == 0,
                         from: i % 3 == 0 ? nil : "+1555000\(i)")
    }
    static func sms(_ i: Int) -> SMSHistoryEntry {
        SMSHistoryEntry(uuid: "sms_\(i)", time: Int64(i), from: "+15550001", to: "+14150000001", text: "message \(i)")
    }
    static func voicemail(_ i: Int) -> VoicemailHistoryEntry {
        VoicemailHistoryEntry(voicemailID: "vm_\(i)", time: Int64(i), from: "+15550002", seconds: Int64(i),
                              recordingURL: "https://example.com/vm/\(i)")
    }

    /// The buffer a history lives in (to tell an in-place growth from a reallocation).
    static func buffer(_ history: NumberHistory) -> ObjectIdentifier? { history.storage.map { ObjectIdentifier($0.box) } }

    @Test(arguments: HistoryKind.allCases)
    func aDecodedHistoryTakesItsNextEventOfAnyKindWithoutReallocating(kind: HistoryKind) throws {
        var original = NumberHistory(capacity: 8)
        for i in 0..<5 { original.record(Self.event(i)) }
        original.record(Self.sms(1))
        original.record(Self.call(2))
        var model = Model(capacity: 8, events: original.events, calls: original.calls, sms: original.sms)
        var history = try Self.decoded(Self.encoded(original))
        let before = Self.buffer(history)
        // What one more event of `kind` records: its event entry, and its traffic entry.
        history.record(Self.event(9))
        Model.keep(&model.events, Self.event(9), capacity: 8)
        switch kind {
        case .event: break
        case .call: history.record(Self.call(9)); Model.keep(&model.calls, Self.call(9), capacity: 8)
        case .sms: history.record(Self.sms(9)); Model.keep(&model.sms, Self.sms(9), capacity: 8)
        case .voicemail: history.record(Self.voicemail(9)); Model.keep(&model.voicemails, Self.voicemail(9), capacity: 8)
        }
        #expect(Self.buffer(history) == before, "the spare room of a decoded history was not used")
        #expect(model.matches(history))
        #expect(try Self.decoded(Self.encoded(history)) == history)
        // Growing in place moved the later regions intact; more pushes keep working past the spare room.
        for i in 10..<30 {
            history.record(Self.event(i)); Model.keep(&model.events, Self.event(i), capacity: 8)
            history.record(Self.voicemail(i)); Model.keep(&model.voicemails, Self.voicemail(i), capacity: 8)
            history.record(Self.call(i)); Model.keep(&model.calls, Self.call(i), capacity: 8)
        }
        #expect(model.matches(history))
    }

    @Test func growingInPlaceLeavesACopyUntouched() throws {
        var original = NumberHistory(capacity: 8)
        for i in 0..<3 { original.record(Self.event(i)) }
        original.record(Self.sms(1))
        let decoded = try Self.decoded(Self.encoded(original))
        var grown = decoded
        grown.record(Self.event(7))
        grown.record(Self.call(7))
        #expect(decoded == original)
        #expect(grown.events.count == 4 && grown.calls.count == 1)
        #expect(Self.buffer(grown) != Self.buffer(decoded))
    }

    @Test func wrapsAroundAtCapacityKeepingTheNewestInOrder() throws {
        var history = NumberHistory(capacity: 4)
        for i in 0..<11 { history.record(Self.event(i)) }
        #expect(history.events == (7..<11).map(Self.event))
        #expect(history.eventCount == 4)
        // The other kinds are untouched by the event ring wrapping.
        history.record(Self.call(1))
        #expect(history.calls == [Self.call(1)])
        #expect(history.events == (7..<11).map(Self.event))
        let decoded = try Self.decoded(Self.encoded(history))
        #expect(decoded == history)
        #expect(decoded.hashValue == history.hashValue)
    }

    @Test func growsAFewSlotsAtATimeUpToTheCapacity() {
        var slots = 0
        var steps: [Int] = []
        while slots < 32 {
            slots = NumberHistory.grownSlots(from: slots, capacity: 32)
            steps.append(slots)
        }
        #expect(steps == [1, 2, 4, 6, 8, 10, 12, 15, 18, 22, 27, 32])
        #expect(NumberHistory.grownSlots(from: 999, capacity: 1_000) == 1_000)
        var history = NumberHistory(capacity: 32)
        for i in 0..<40 {
            history.record(Self.sms(i))
            #expect(history.sms.count == min(i + 1, 32))
        }
        #expect(history.sms.first == Self.sms(8))
    }

    @Test func equalAcrossLayoutsAndCopiesAreIndependent() throws {
        var pushed = NumberHistory(capacity: 5)
        for i in 0..<9 { pushed.record(Self.event(i)) }          // wrapped ring, start != 0
        for i in 0..<2 { pushed.record(Self.sms(i)) }            // grown one slot at a time
        let built = NumberHistory(capacity: 5, events: (4..<9).map(Self.event), calls: [],
                                  sms: [Self.sms(0), Self.sms(1)], voicemails: [])
        let decoded = try Self.decoded(Self.encoded(pushed))
        for other in [built, decoded] {
            #expect(other == pushed)
            #expect(other.hashValue == pushed.hashValue)
        }
        #expect(NumberHistory(capacity: 6, events: (4..<9).map(Self.event), calls: [],
                              sms: [Self.sms(0), Self.sms(1)], voicemails: []) != pushed, "capacity differs")
        var copy = pushed
        copy.record(Self.voicemail(1))
        copy.record(Self.event(9))
        #expect(pushed.voicemails.isEmpty)
        #expect(pushed.events.last == Self.event(8))
        #expect(copy.events.last == Self.event(9))
        #expect(copy != pushed)
        #expect(NumberHistory(capacity: 5) == NumberHistory(capacity: 5))
    }

    @Test func randomPushesOfAllKindsMatchFourArrays() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SeededGenerator(seed: seed)
        for round in 0..<30 {
            let capacity = Int.random(in: 1...9, using: &rng)
            var model = Model(capacity: capacity)
            var history = NumberHistory(capacity: capacity)
            var kept: [(NumberHistory, Model)] = []
            for i in 0..<Int.random(in: 0...60, using: &rng) {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<5:
                    Model.keep(&model.events, Self.event(i), capacity: capacity)
                    history.record(Self.event(i))
                case 5..<7:
                    Model.keep(&model.calls, Self.call(i), capacity: capacity)
                    history.record(Self.call(i))
                case 7..<9:
                    Model.keep(&model.sms, Self.sms(i), capacity: capacity)
                    history.record(Self.sms(i))
                default:
                    Model.keep(&model.voicemails, Self.voicemail(i), capacity: capacity)
                    history.record(Self.voicemail(i))
                }
                if Int.random(in: 0..<8, using: &rng) == 0 { kept.append((history, model)) }  // shares the buffer
                guard model.matches(history) else {
                    Issue.record("history differs from four arrays: seed \(seed), round \(round), push \(i)")
                    return
                }
            }
            let decoded = try Self.decoded(Self.encoded(history))
            #expect(decoded == history, "seed \(seed), round \(round)")
            #expect(model.matches(decoded), "seed \(seed), round \(round)")
            #expect(kept.allSatisfy { $0.1.matches($0.0) }, "copies kept their entries: seed \(seed), round \(round)")
        }
    }

    @Test func decodingRefusesCorruptCapacitiesAndCounts() throws {
        var history = NumberHistory(capacity: 3)
        history.record(Self.event(1))
        let bytes = Self.encoded(history)
        #expect(bytes[0] == 3)
        var zeroCapacity = bytes
        zeroCapacity[0] = 0
        #expect(throws: DomainCodecError.self) { try Self.decoded(zeroCapacity) }
        // A capacity above the maximum (1001 as a varint) and an event count larger than the input.
        let tooLarge: [UInt8] = [0xE9, 0x07] + bytes.dropFirst()
        #expect(throws: DomainCodecError.self) { try Self.decoded(tooLarge) }
        var countTooLarge = bytes
        countTooLarge[1] = 0x7F
        #expect(throws: DomainCodecError.self) { try Self.decoded(countTooLarge) }
        let hugeCount: [UInt8] = [3, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
        #expect(throws: DomainCodecError.self) { try Self.decoded(hugeCount) }
        // Truncated in the middle of an entry: the entries decoded so far are released, nothing traps.
        for cut in 1..<bytes.count {
            #expect(throws: DomainCodecError.self) { try Self.decoded(Array(bytes.prefix(cut))) }
        }
    }

    @Test func decodedTrafficSharesTheIdStringOfItsEvent() throws {
        let id = "sms_12345_123451_long_enough_for_the_heap"
        var history = NumberHistory(capacity: 4)
        history.record(EventHistoryEntry(version: 1, sequence: 7, time: 99, kind: "sms_received", eventID: id,
                                         outcome: .applied))
        history.record(SMSHistoryEntry(uuid: id, time: 99, from: "+15550001", to: "+14150000001", text: "hi"))
        history.record(SMSHistoryEntry(uuid: "sms_other_without_an_event_entry", time: 99, from: "+1", to: "+2",
                                       text: "x"))
        let decoded = try Self.decoded(Self.encoded(history))
        #expect(decoded == history)
        func address(_ text: String) -> UnsafeRawPointer? {
            text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
        }
        #expect(address(decoded.sms[0].uuid) != nil)
        #expect(address(decoded.sms[0].uuid) == address(decoded.events[0].eventID))
        #expect(decoded.sms[1].uuid == "sms_other_without_an_event_entry")
    }

    @Test func decodingMoreEntriesThanTheCapacityKeepsTheNewest() throws {
        let wide = NumberHistory(capacity: 8, events: (0..<8).map(Self.event), calls: [], sms: [], voicemails: [])
        var bytes = Self.encoded(wide)
        bytes[0] = 3  // the same entries under a smaller capacity, as a foreign snapshot might hold
        let decoded = try Self.decoded(bytes)
        #expect(decoded.events == (5..<8).map(Self.event))
    }

    /// Decoding reads the entry counts ahead to allocate the history once, at its final size: the look ahead
    /// steps over exactly the bytes the decoding reads (every entry shape: ignored events with a reason, calls
    /// with and without a caller), whatever the counts and the capacity.
    @Test(arguments: [(2, 0, 0, 0), (0, 3, 0, 0), (5, 2, 1, 1), (8, 9, 8, 3), (0, 0, 0, 0)])
    func theLookAheadReadsEveryCountExactly(counts: (Int, Int, Int, Int)) throws {
        var history = NumberHistory(capacity: 8)
        for i in 0..<counts.0 {
            var entry = Self.event(i)
            if i % 2 == 1 { entry = EventHistoryEntry(version: entry.version, sequence: entry.sequence, time: entry.time, kind: entry.kind,
                                                      eventID: entry.eventID, outcome: .ignored(reason: "stale")) }
            history.record(entry)
        }
        for i in 0..<counts.1 { history.record(Self.call(i)) }
        for i in 0..<counts.2 { history.record(Self.sms(i)) }
        for i in 0..<counts.3 { history.record(Self.voicemail(i)) }
        let bytes = Self.encoded(history)
        var reader = DomainReader(copying: bytes)
        _ = try reader.uvarint()  // the capacity
        let slots = try NumberHistory.regions(ahead: &reader, capacity: 8)
        #expect(reader.remaining == 0)
        #expect([slots.event.slots, slots.call.slots, slots.sms.slots, slots.voicemail.slots]
                == [counts.0, counts.1, counts.2, counts.3].map { UInt16(min($0, 8)) })
        let decoded = try Self.decoded(bytes)
        #expect(decoded == history)
        if let storage = decoded.storage?.box {
            #expect(storage.header.words == slots.words)
            #expect(storage.spareWords >= NumberHistory.decodedSpareWords)
        } else {
            #expect(slots.words == 0)
        }
    }
}
