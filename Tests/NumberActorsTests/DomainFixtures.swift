@testable import NumberActors

let baseTime: UnixSeconds = 1_767_225_600 // 2026-01-01T00:00:00Z

func reservation(plan: Plan? = nil, forward: Forwarding = Forwarding(email: "owner@example.com")) -> Reservation {
    Reservation(e164: "+14155550100", customer: "cus_1", skuID: "sku_1", availableDIDID: "adid_1",
                plan: plan, forward: forward)
}

func payment(periodEnd: UnixSeconds? = nil, intent: String? = "pi_1", charge: String? = "ch_1",
             subscription: String? = "sub_1") -> DomainEventPayload {
    .paymentSucceeded(PaymentSucceeded(subscriptionID: subscription, periodEnd: periodEnd,
                                       paymentIntentID: intent, chargeID: charge))
}

func call(seconds: Int64, success: Bool = true, last: Bool? = nil) -> DomainEventPayload {
    .callRecorded(CallRecord(durationSeconds: seconds, success: success, isLastCDR: last, from: "+15550001"))
}

func sms(_ text: String = "hi") -> DomainEventPayload {
    .smsReceived(InboundSMS(from: "+15550001", to: "14155550100", text: text))
}

func voicemail() -> DomainEventPayload {
    .voicemailLeft(Voicemail(from: "+15550001", seconds: 12, recordingURL: "https://rec.example/1.mp3"))
}

/// Drives one number through events with automatic ids, times and journal sequences.
struct Harness {
    var state: NumberState
    var sequence: UInt64 = 0
    /// Every effect emitted so far, in order.
    var effects: [Effect] = []
    var lastEffects: [Effect] = []

    init(id: String = "num_1", historyCapacity: Int = NumberHistory.defaultCapacity) {
        state = NumberState(id: id, historyCapacity: historyCapacity)
    }

    /// A number reserved and paid, provisioning (ordered) or live, as asked.
    static func live(plan: Plan? = nil) -> Harness {
        var h = Harness()
        h.apply(.reserved(reservation(plan: plan)))
        h.apply(payment(periodEnd: baseTime + 30 * 86_400))
        h.apply(.provisioningStarted(orderID: "ord_1"))
        h.apply(.orderCompleted(orderID: "ord_1", didID: "did_1"))
        return h
    }

    static func ordered() -> Harness {
        var h = Harness()
        h.apply(.reserved(reservation()))
        h.apply(payment())
        h.apply(.provisioningStarted(orderID: "ord_1"))
        return h
    }

    /// Applies `payload` as a new event. `time` defaults to one minute per sequence after `baseTime`;
    /// `created` (Stripe) defaults to `time`.
    @discardableResult
    mutating func apply(_ payload: DomainEventPayload, id: String? = nil, time: UnixSeconds? = nil,
                        created: UnixSeconds? = nil) -> [Effect] {
        let t = time ?? baseTime + Int64(sequence + 1) * 60
        let source = EventSource(eventID: id ?? "evt_\(sequence + 1)", created: created ?? t, time: t)
        return apply(DomainEvent(numberID: state.id, source: source, payload: payload))
    }

    @discardableResult
    mutating func apply(_ event: DomainEvent) -> [Effect] {
        sequence += 1
        let (next, emitted) = NumberLifecycle.transition(state, event,
                                                          at: JournalPosition(sequence: sequence, recordTime: baseTime + Int64(sequence)))
        state = next
        effects += emitted
        lastEffects = emitted
        return emitted
    }

    var lastOutcome: EventOutcome { state.history.events.last!.outcome }
    var status: LifecycleStatus { state.status }

    func count(_ kind: String, in list: [Effect]? = nil) -> Int {
        (list ?? effects).filter { $0.action.kindName == kind }.count
    }

    func notifications(in list: [Effect]? = nil) -> [CustomerNotification] {
        (list ?? effects).compactMap {
            if case .notifyCustomer(_, _, let n) = $0.action { return n }
            return nil
        }
    }

    /// Total ReportUsage quantity per (month, meter).
    func billed(in list: [Effect]? = nil) -> [String: Int64] {
        var totals: [String: Int64] = [:]
        for effect in list ?? effects {
            if case .reportUsage(_, _, let month, let meter, let quantity) = effect.action {
                totals["\(month) \(meter)", default: 0] += quantity
            }
        }
        return totals
    }
}

/// An event with a fixed identity, for replaying one set of events in several orders.
func event(_ payload: DomainEventPayload, _ id: String, at offset: Int64, created: UnixSeconds? = nil) -> DomainEvent {
    DomainEvent(numberID: "num_1",
                source: EventSource(eventID: id, created: created ?? baseTime + offset, time: baseTime + offset),
                payload: payload)
}

func run(_ events: [DomainEvent], historyCapacity: Int = NumberHistory.defaultCapacity) -> Harness {
    var h = Harness(historyCapacity: historyCapacity)
    for e in events { h.apply(e) }
    return h
}

/// reserved, paid, ordered: the common start of the ordering scenarios.
let orderedPrefix = [
    event(.reserved(reservation()), "api_1", at: 0),
    event(payment(periodEnd: baseTime + 30 * 86_400), "evt_paid", at: 10),
    event(.provisioningStarted(orderID: "ord_1"), "prov_1", at: 20),
]
