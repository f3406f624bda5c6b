import Testing
@testable import NumberActors

/// `effect_retried`: an operator puts a failed outbox entry back to pending.
@Suite struct NumberEffectRetryTests {
    @Test func aRetriedFailedEffectIsPendingAgainAndChangesNoFact() {
        var h = Harness()
        h.apply(.reserved(reservation()))
        let provision = h.apply(payment()).first { $0.action.kindName == "provision_number" }!
        h.apply(.effectFailed(effectID: provision.id, details: "didww 402"))
        let failedState = h.state
        let effects = h.apply(.effectRetried(effectID: provision.id, operatorName: "alice"))
        #expect(effects.isEmpty)
        #expect(h.lastOutcome == .applied)
        #expect(h.state.outbox.first { $0.effect.id == provision.id }?.status == .pending)
        #expect(h.state.facts == failedState.facts)
        #expect(h.status == failedState.status)
        #expect(h.state.version == failedState.version + 1)
    }

    @Test func retryingAPendingOrUnknownEffectIsIgnored() {
        var h = Harness()
        h.apply(.reserved(reservation()))
        let provision = h.apply(payment()).first { $0.action.kindName == "provision_number" }!
        h.apply(.effectRetried(effectID: provision.id, operatorName: "alice"))
        #expect(h.lastOutcome == .ignored(reason: IgnoreReason.duplicate))
        #expect(h.state.outbox.first { $0.effect.id == provision.id }?.status == .pending)
        h.apply(.effectCompleted(effectID: provision.id, details: "ok"))
        h.apply(.effectRetried(effectID: provision.id, operatorName: "alice"))
        #expect(h.lastOutcome == .ignored(reason: IgnoreReason.unknownEffect))
    }

    @Test func theRetryEventRoundTripsThroughTheCodec() throws {
        let event = DomainEvent(numberID: "num_1", source: EventSource(eventID: "op_retry_1", time: baseTime),
                                payload: .effectRetried(effectID: EffectID(numberID: "num_1", version: 7, index: 2),
                                                        operatorName: "ünïcödé ops"))
        #expect(try DomainCodec.decodeEvent(DomainCodec.encode(event)) == event)
        #expect(event.payload.kindName == "effect_retried")
        #expect(DomainEventPayload.kindCode("effect_retried") == 28)
    }
}
