import Testing
@testable import NumberActors

/// Every event kind, with optional fields both present and absent.
let sampleEvents: [DomainEvent] = {
    let payloads: [DomainEventPayload] = [
        .reserved(reservation(plan: Plan(includedCallSeconds: 6_000, includedSMS: 500, overage: .bill),
                              forward: Forwarding(email: "a@b.c", webhookURL: "https://hook", phone: "+1"))),
        .reserved(Reservation(e164: "+1", customer: "c", skuID: "s")),
        .forwardingChanged(Forwarding()),
        payment(periodEnd: baseTime), payment(intent: nil, charge: nil, subscription: nil),
        .paymentFailed(subscriptionID: "sub_1"), .paymentFailed(subscriptionID: nil),
        .paymentActionRequired(hostedInvoiceURL: "https://invoice.stripe.com/i/x"), .paymentActionRequired(hostedInvoiceURL: nil),
        .subscriptionStatus(status: "past_due", subscriptionID: nil), .subscriptionDeleted(subscriptionID: "sub_1"),
        .checkoutExpired, .trialWillEnd(trialEnd: -5), .trialWillEnd(trialEnd: nil),
        .refunded(amountRefunded: 0, amount: Int64.max), .disputeOpened(disputeID: "dp", status: "warning_x"),
        .disputeClosed(disputeID: "dp", status: "lost"), .provisioningStarted(orderID: "o"),
        .provisioningFailed(reason: "ünïcödé ✓"), .orderCompleted(orderID: "o", didID: "d"), .orderCanceled(orderID: "o"),
        .providerBlocked, .providerUnblocked, .providerTerminated,
        call(seconds: 61), call(seconds: 0, success: false, last: false), call(seconds: Int64.min, last: true),
        sms(""), voicemail(), .operatorHold(operatorName: "a"), .operatorUnhold(operatorName: "b"),
        .operatorCancel(operatorName: "c"),
        .effectCompleted(effectID: EffectID(numberID: "num_1", version: UInt64.max, index: UInt32.max), details: "ok"),
        .effectFailed(effectID: EffectID(numberID: "num_1", version: 0, index: 0), details: ""),
    ]
    return payloads.enumerated().map { index, payload in
        DomainEvent(numberID: "num_\(index)",
                    source: EventSource(eventID: "evt_\(index)", objectID: index % 2 == 0 ? "obj" : nil,
                                        created: index % 3 == 0 ? nil : Int64.min, time: Int64(index) - 3),
                    payload: payload)
    }
}()

@Suite struct DomainCodecTests {
    @Test func everyEventKindRoundTrips() throws {
        var kinds = Set<String>()
        for event in sampleEvents {
            let bytes = DomainCodec.encode(event)
            #expect(bytes.first == DomainCodec.eventFormatVersion)
            #expect(try DomainCodec.decodeEvent(bytes) == event)
            kinds.insert(event.payload.kindName)
        }
        #expect(kinds.count == 27, "a sample of every payload kind")
    }

    @Test func aBusyNumberStateRoundTripsByteForByte() throws {
        var h = Harness.live(plan: Plan(includedCallSeconds: 10, includedSMS: 1, overage: .bill))
        h.apply(call(seconds: 30), time: baseTime - 10)
        h.apply(sms())
        h.apply(sms())
        h.apply(voicemail())
        h.apply(.disputeOpened(disputeID: "dp_1", status: "needs_response"))
        h.apply(.disputeClosed(disputeID: "dp_9", status: "won"))
        h.apply(.operatorHold(operatorName: "ops"))
        h.apply(.providerBlocked)
        h.apply(.paymentActionRequired(hostedInvoiceURL: nil))
        h.apply(.effectFailed(effectID: h.state.outbox[0].effect.id, details: "boom"))
        h.apply(.refunded(amountRefunded: 1, amount: 1))
        h.apply(.checkoutExpired)
        h.apply(.provisioningFailed(reason: "late"))
        h.apply(.subscriptionStatus(status: "bogus", subscriptionID: nil))
        let bytes = DomainCodec.encode(h.state)
        #expect(bytes.first == DomainCodec.stateFormatVersion)
        let decoded = try DomainCodec.decodeState(bytes)
        #expect(decoded == h.state)
        #expect(DomainCodec.encode(decoded) == bytes)
        #expect(decoded.status == h.state.status)
        #expect(decoded.history.capacity == NumberHistory.defaultCapacity)
    }

    @Test func anEmptyStateRoundTrips() throws {
        let state = NumberState(id: "num_empty", historyCapacity: 7)
        #expect(try DomainCodec.decodeState(DomainCodec.encode(state)) == state)
    }

    @Test func equalStatesEncodeToEqualBytes() {
        let events = orderedPrefix + [event(.disputeOpened(disputeID: "a", status: "x"), "d1", at: 50),
                                      event(.disputeOpened(disputeID: "b", status: "x"), "d2", at: 60)]
        var a = run(events).state
        var b = run(events.reversed()).state
        // Only the facts are order-independent; compare their encoding.
        a.history = NumberHistory()
        b.history = NumberHistory()
        a.outbox = []
        b.outbox = []
        a.emitted = EmittedEffects()
        b.emitted = EmittedEffects()
        #expect(DomainCodec.encode(a) == DomainCodec.encode(b))
    }

    @Test func unsupportedVersionIsRefused() {
        var bytes = DomainCodec.encode(sampleEvents[0])
        bytes[0] = 99
        #expect(throws: DomainCodecError.unsupportedVersion(99)) { try DomainCodec.decodeEvent(bytes) }
        #expect(throws: DomainCodecError.self) { try DomainCodec.decodeState([]) }
    }

    @Test func everyTruncationThrows() throws {
        for event in sampleEvents {
            let bytes = DomainCodec.encode(event)
            for length in 0..<bytes.count {
                #expect(throws: DomainCodecError.self) { try DomainCodec.decodeEvent(Array(bytes[..<length])) }
            }
        }
        let state = DomainCodec.encode(Harness.live(plan: Plan(includedCallSeconds: 1, includedSMS: 1, overage: .bill)).state)
        for length in 0..<state.count {
            #expect(throws: DomainCodecError.self) { try DomainCodec.decodeState(Array(state[..<length])) }
        }
    }

    @Test func trailingBytesAreRefused() {
        let bytes = DomainCodec.encode(sampleEvents[3]) + [0]
        #expect(throws: DomainCodecError.trailingBytes(count: 1)) { try DomainCodec.decodeEvent(bytes) }
    }

    @Test func badTagsUTF8AndVarintsThrow() {
        // version, number id "n", event id "e", no object id, no created, time 0, payload tag 200
        #expect(throws: DomainCodecError.invalidTag(type: "DomainEventPayload", tag: 200, offset: 8)) {
            try DomainCodec.decodeEvent([1, 1, 0x6E, 1, 0x65, 0, 0, 0, 200])
        }
        #expect(throws: DomainCodecError.invalidUTF8(offset: 2)) { try DomainCodec.decodeEvent([1, 1, 0xFF]) }
        #expect(throws: DomainCodecError.varintOverflow(offset: 1)) {
            try DomainCodec.decodeEvent([1] + [UInt8](repeating: 0xFF, count: 9) + [0x7F])
        }
        #expect(throws: DomainCodecError.invalidValue("bool", offset: 5)) {
            try DomainCodec.decodeEvent([1, 1, 0x6E, 1, 0x65, 7])
        }
    }

    @Test func hugeCountsAreRefusedBeforeAllocating() {
        // A string claiming 2^40 bytes.
        #expect(throws: DomainCodecError.self) {
            try DomainCodec.decodeEvent([1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20])
        }
    }

    /// Random corruption of valid payloads: decoding throws or yields a value, and never traps.
    @Test func randomCorruptionNeverCrashes() {
        var rng = SeededGenerator(seed: 42)
        let inputs = sampleEvents.map { DomainCodec.encode($0) }
        for _ in 0..<4_000 {
            var bytes = inputs.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = try? DomainCodec.decodeEvent(bytes)
        }
        let state = DomainCodec.encode(Harness.live(plan: Plan(includedCallSeconds: 1, includedSMS: 1, overage: .bill)).state)
        for _ in 0..<4_000 {
            var bytes = state
            bytes[Int.random(in: 1..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            _ = try? DomainCodec.decodeState(bytes)
        }
    }

    @Test func monthsAndTimesRenderAsTheContractSays() {
        #expect(UsageMonth(containing: baseTime).description == "2026-01")
        #expect(UsageMonth(containing: baseTime - 1).description == "2025-12")
        #expect(UsageMonth(containing: 0).description == "1970-01")
        #expect(UsageMonth(containing: -1).description == "1969-12")
        #expect(CivilDate.iso8601(1_796_311_200) == "2026-12-03T15:20:00Z")
        #expect(UsageMonth(ordinal: UsageMonth(year: 2024, month: 2).ordinal) == UsageMonth(year: 2024, month: 2))
        _ = UsageMonth(containing: .min)
        _ = UsageMonth(containing: .max)
    }
}
