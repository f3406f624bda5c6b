// The event streams number-bench applies: realistic ids and payloads, interleaved across numbers.
import NumberActors

let baseTime: UnixSeconds = 1_767_225_600 // 2026-01-01T00:00:00Z
let day: Int64 = 86_400

/// What one number's events are made of: fixed per number, like in production.
struct NumberProfile {
    var id: String
    var reservation: Reservation
    var subscription: String
    var paymentIntent: String
    var charge: String
    var orderID: String
    var didID: String
    /// How far the number got: 0 nothing, 1 reserved, 2 paid, 3 ordered, 4+ live.
    var phase = 0

    init(index: Int, rng: inout SeededGenerator) {
        id = "num_" + String(index, radix: 36)
        let plan: Plan?
        switch rng.below(10) {
        case 0..<4: plan = nil
        case 4..<8: plan = Plan(includedCallSeconds: 3_000, includedSMS: 50, overage: .bill)
        default: plan = Plan(includedCallSeconds: 6_000, includedSMS: 100, overage: .block)
        }
        let forward = Forwarding(email: "owner\(index)@example.com",
                                 webhookURL: rng.permille(300) ? "https://hooks.example.com/n/\(index)" : nil)
        reservation = Reservation(e164: rng.e164(), customer: rng.token("cus_", 14), skuID: "sku_us_local",
                                  availableDIDID: rng.uuid(), plan: plan, forward: forward)
        subscription = rng.token("sub_", 24)
        paymentIntent = rng.token("pi_", 24)
        charge = rng.token("ch_", 24)
        orderID = rng.uuid()
        didID = rng.uuid()
    }

    /// The number's next event at `time`: the lifecycle first, then traffic with occasional billing.
    mutating func nextEvent(at time: UnixSeconds, rng: inout SeededGenerator) -> DomainEvent {
        defer { phase += 1 }
        let source: EventSource
        let payload: DomainEventPayload
        switch phase {
        case 0:
            source = EventSource(eventID: rng.token("req_", 20), time: time)
            payload = .reserved(reservation)
        case 1:
            source = EventSource(eventID: rng.token("evt_", 24), objectID: rng.token("cs_", 24), created: time, time: time)
            payload = .paymentSucceeded(PaymentSucceeded(subscriptionID: subscription, periodEnd: time + 30 * day,
                                                         paymentIntentID: paymentIntent, chargeID: charge))
        case 2:
            source = EventSource(eventID: orderID + ":pending", objectID: orderID, time: time)
            payload = .provisioningStarted(orderID: orderID)
        case 3:
            source = EventSource(eventID: orderID + ":completed", objectID: orderID, time: time)
            payload = .orderCompleted(orderID: orderID, didID: didID)
        default:
            return trafficEvent(at: time, rng: &rng)
        }
        return DomainEvent(numberID: id, source: source, payload: payload)
    }

    /// Calls 72 % (a tenth of them non-final CDR legs), SMS 20 %, voicemail 4 %, billing 4 %.
    private func trafficEvent(at time: UnixSeconds, rng: inout SeededGenerator) -> DomainEvent {
        let roll = rng.below(1000)
        let payload: DomainEventPayload
        var source = EventSource(eventID: rng.uuid(), time: time)
        switch roll {
        case 0..<720:
            let leg = roll < 72
            payload = .callRecorded(CallRecord(durationSeconds: Int64(rng.below(600)), success: rng.permille(900),
                                               isLastCDR: leg ? false : (roll % 2 == 0 ? true : nil), from: rng.e164()))
        case 720..<920:
            let texts = ["Your code is 482913", "see you at 7?", "Delivery scheduled for tomorrow between 9 and 12",
                         "ok", "Reminder: appointment on Monday 10:30. Reply C to confirm."]
            payload = .smsReceived(InboundSMS(from: rng.e164(), to: reservation.e164, text: texts[rng.below(texts.count)]))
        case 920..<960:
            let id = source.eventID
            payload = .voicemailLeft(Voicemail(from: rng.e164(), seconds: Int64(5 + rng.below(90)),
                                               recordingURL: "https://voice.example.com/rec/\(id).mp3"))
        default:
            source = EventSource(eventID: rng.token("evt_", 24), objectID: rng.token("in_", 24), created: time, time: time)
            switch roll {
            case 960..<980:
                payload = .paymentSucceeded(PaymentSucceeded(subscriptionID: subscription, periodEnd: time + 30 * day))
            case 980..<990: payload = .paymentFailed(subscriptionID: subscription)
            default: payload = .subscriptionStatus(status: "active", subscriptionID: subscription)
            }
        }
        return DomainEvent(numberID: id, source: source, payload: payload)
    }
}

/// A journal's worth of decoded events, each already routed to its number (`targets`, an index into the states).
struct ApplyWorkload {
    var ids: [String] = []
    var events: [DomainEvent] = []
    var targets: [Int32] = []
    var kinds: [String: Int] = [:]
    var effects = 0
    var settled = 0

    func freshStates() -> [NumberState] { ids.map { NumberState(id: $0) } }

    func position(_ i: Int) -> JournalPosition {
        JournalPosition(sequence: UInt64(i + 1), recordTime: events[i].source.time)
    }
}

/// Workers settle every effect `settleLag` events after it was emitted (an `effectCompleted` in the stream), so
/// outboxes stay small. The stream is built by running the lifecycle once, which also tells the effect ids.
func makeApplyWorkload(numbers: Int, eventsPerNumber: Int, settleLag: Int = 2_000, seed: UInt64 = 1) -> ApplyWorkload {
    var rng = SeededGenerator(seed: seed)
    var w = ApplyWorkload()
    var profiles = (0..<numbers).map { NumberProfile(index: $0, rng: &rng) }
    w.ids = profiles.map(\.id)
    var states = w.freshStates()
    let planned = numbers * eventsPerNumber
    w.events.reserveCapacity(planned * 3 / 2)
    w.targets.reserveCapacity(planned * 3 / 2)
    // About two months of traffic in all.
    let secondsPerEvent = Double(60 * day) / Double(planned) / 1.4
    var pending: [(number: Int, id: EffectID, due: Int)] = []
    var head = 0
    var generated = 0
    var step = 0
    while generated < planned {
        let time = baseTime + Int64(Double(step) * secondsPerEvent)
        let number: Int
        let event: DomainEvent
        if head < pending.count, pending[head].due <= step {
            let settle = pending[head]
            head += 1
            number = settle.number
            event = DomainEvent(numberID: w.ids[number], source: EventSource(eventID: settle.id.text, time: time),
                                payload: .effectCompleted(effectID: settle.id, details: "ok"))
            w.settled += 1
        } else {
            number = rng.below(numbers)
            event = profiles[number].nextEvent(at: time, rng: &rng)
            generated += 1
        }
        var state = NumberState(id: "")
        swap(&state, &states[number])
        let (next, effects) = NumberLifecycle.transition(consume state, event,
                                                         at: JournalPosition(sequence: UInt64(step + 1), recordTime: time))
        states[number] = next
        for effect in effects { pending.append((number, effect.id, step + settleLag)) }
        w.effects += effects.count
        w.kinds[event.payload.kindName, default: 0] += 1
        w.events.append(event)
        w.targets.append(Int32(number))
        step += 1
        if head > 65_536 { pending.removeFirst(head); head = 0 }
    }
    return w
}

/// One number after a typical life: reserved, paid, ordered, live, one call, and every emitted effect settled by
/// its worker (ProvisionNumber, AssignRouting, three state notifications): 10 journaled events, so 10 event
/// history entries and 1 call entry, and an empty outbox.
func typicalNumber(index: Int, rng: inout SeededGenerator) -> NumberState {
    var profile = NumberProfile(index: index, rng: &rng)
    var state = NumberState(id: profile.id)
    var sequence: UInt64 = 0
    var time = baseTime + Int64(rng.below(Int(20 * day)))
    func apply(_ event: DomainEvent) {
        sequence += 1
        var s = NumberState(id: "")
        swap(&s, &state)
        state = NumberLifecycle.transition(consume s, event, at: JournalPosition(sequence: sequence, recordTime: time)).0
    }
    for _ in 0..<4 {
        time += Int64(30 + rng.below(600))
        apply(profile.nextEvent(at: time, rng: &rng))
    }
    time += Int64(3_600 + rng.below(Int(3 * day)))
    apply(DomainEvent(numberID: profile.id, source: EventSource(eventID: rng.uuid(), time: time),
                      payload: .callRecorded(CallRecord(durationSeconds: 95, success: true, from: rng.e164()))))
    while let oldest = state.outbox.first {
        time += 5
        apply(DomainEvent(numberID: profile.id, source: EventSource(eventID: oldest.effect.id.text, time: time),
                          payload: .effectCompleted(effectID: oldest.effect.id, details: "ok")))
    }
    return state
}
