import Testing
@testable import NumberActors

/// `unreadable_record`: a provider record that could not be read is parked; assigned to a number by an
/// operator, it is recorded as ignored and changes nothing.
@Suite struct NumberUnreadableRecordTests {
    @Test func anAssignedUnreadableRecordIsIgnoredAndChangesNoFact() {
        var h = Harness()
        h.apply(.reserved(reservation()))
        let before = h.state
        let effects = h.apply(.unreadableRecord(source: "cdr", reason: "attributes.did_number: expected an E.164 number",
                                                excerpt: "{\"type\":\"inbound-cdr\"}"))
        #expect(effects.isEmpty)
        #expect(h.lastOutcome == .ignored(reason: IgnoreReason.unreadable))
        #expect(h.state.facts == before.facts)
        #expect(h.state.version == before.version + 1)
    }

    @Test func theUnreadableRecordRoundTripsThroughTheCodec() throws {
        let event = DomainEvent(numberID: "num_1", source: EventSource(eventID: "unreadable:00ff", time: baseTime),
                                payload: .unreadableRecord(source: "cdr", reason: "malformed JSON at byte 3", excerpt: "{\"ty"))
        #expect(try DomainCodec.decodeEvent(DomainCodec.encode(event)) == event)
        #expect(event.payload.kindName == "unreadable_record")
        #expect(DomainEventPayload.kindCode("unreadable_record") == 29)
    }
}
