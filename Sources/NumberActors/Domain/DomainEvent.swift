/// Where an event came from. Provider payloads are translated into `DomainEvent`s at the edge (Server);
/// the domain only sees these typed values.
public struct EventSource: Sendable, Hashable {
    /// The dedupe key: Stripe `evt_...`, DIDWW callback `"<id>:<status>"`, SMS uuid, CDR id, voicemail id,
    /// or an API/operator/outbox request id.
    public var eventID: String
    /// The provider object the event is about (invoice, subscription, charge, dispute, DIDWW order...), if any.
    public var objectID: String?
    /// Stripe's `created`; orders billing facts. Nil for sources without one.
    public var created: UnixSeconds?
    /// The event's own time: provider time where there is one, else the journal record's time (the caller's choice).
    public var time: UnixSeconds

    public init(eventID: String, objectID: String? = nil, created: UnixSeconds? = nil, time: UnixSeconds) {
        self.eventID = eventID
        self.objectID = objectID
        self.created = created
        self.time = time
    }

    /// Stamp for facts ordered by event time.
    public var stamp: EventStamp { EventStamp(time: time, eventID: eventID) }
    /// Stamp for billing facts: Stripe `created` (falling back to the event time), ties by event id.
    public var billingStamp: EventStamp { EventStamp(time: created ?? time, eventID: eventID) }
}

/// One journaled event for one number, already routed.
public struct DomainEvent: Sendable, Hashable {
    public var numberID: String
    public var source: EventSource
    public var payload: DomainEventPayload

    public init(numberID: String, source: EventSource, payload: DomainEventPayload) {
        self.numberID = numberID
        self.source = source
        self.payload = payload
    }
}

/// Everything that can happen to a number (DESIGN.md §The lifecycle).
public enum DomainEventPayload: Sendable, Hashable {
    // API
    case reserved(Reservation)
    case forwardingChanged(Forwarding)
    // Stripe
    case paymentSucceeded(PaymentSucceeded)
    case paymentFailed(subscriptionID: String?)
    case paymentActionRequired(hostedInvoiceURL: String?)
    case subscriptionStatus(status: String, subscriptionID: String?)
    case subscriptionDeleted(subscriptionID: String?)
    case checkoutExpired
    case trialWillEnd(trialEnd: UnixSeconds?)
    case refunded(amountRefunded: Int64, amount: Int64)
    case disputeOpened(disputeID: String, status: String)
    case disputeClosed(disputeID: String, status: String)
    // DIDWW and the provisioning worker
    case provisioningStarted(orderID: String)
    case provisioningFailed(reason: String)
    case orderCompleted(orderID: String, didID: String)
    case orderCanceled(orderID: String)
    case providerBlocked
    case providerUnblocked
    case providerTerminated
    // Traffic (the source's event id is the CDR id, SMS uuid or voicemail id; its time is the traffic's time)
    case callRecorded(CallRecord)
    case smsReceived(InboundSMS)
    case voicemailLeft(Voicemail)
    // Operators
    case operatorHold(operatorName: String)
    case operatorUnhold(operatorName: String)
    case operatorCancel(operatorName: String)
    // Outbox results
    case effectCompleted(effectID: EffectID, details: String)
    case effectFailed(effectID: EffectID, details: String)
    /// An operator puts a failed outbox entry back to pending (`POST /admin/effects/{id}/retry`).
    case effectRetried(effectID: EffectID, operatorName: String)
    // Input that could not be read
    /// A record of a provider batch that could not be read (a CDR line that is not valid JSON or lacks a field):
    /// kept, routed nowhere and so parked, for an operator to see and discard (or assign, where it is then
    /// recorded as ignored). `source` names the feed (`cdr`), `excerpt` holds the start of the raw record.
    case unreadableRecord(source: String, reason: String, excerpt: String)

    /// `kindName` of every payload, in codec tag order (tag = index + 1).
    static let kindNames: [String] = [
        "reserved", "forwarding_changed", "payment_succeeded", "payment_failed", "payment_action_required",
        "subscription_status", "subscription_deleted", "checkout_expired", "trial_will_end", "refunded",
        "dispute_opened", "dispute_closed", "provisioning_started", "provisioning_failed", "order_completed",
        "order_canceled", "provider_blocked", "provider_unblocked", "provider_terminated", "call_recorded",
        "sms_received", "voicemail_left", "operator_hold", "operator_unhold", "operator_cancel",
        "effect_completed", "effect_failed", "effect_retried", "unreadable_record",
    ]

    /// UTF-8 of `kindNames`, for decoding without allocating.
    static let kindTable = NameTable(kindNames)

    private static let kindCodes: [String: UInt8] = Dictionary(
        uniqueKeysWithValues: kindNames.enumerated().map { ($1, UInt8($0 + 1)) })

    static func kindCode(_ name: String) -> UInt8? { kindCodes[name] }

    /// The codec tag, which is also `kindNames` index + 1.
    var kindCode: UInt8 {
        switch self {
        case .reserved: 1
        case .forwardingChanged: 2
        case .paymentSucceeded: 3
        case .paymentFailed: 4
        case .paymentActionRequired: 5
        case .subscriptionStatus: 6
        case .subscriptionDeleted: 7
        case .checkoutExpired: 8
        case .trialWillEnd: 9
        case .refunded: 10
        case .disputeOpened: 11
        case .disputeClosed: 12
        case .provisioningStarted: 13
        case .provisioningFailed: 14
        case .orderCompleted: 15
        case .orderCanceled: 16
        case .providerBlocked: 17
        case .providerUnblocked: 18
        case .providerTerminated: 19
        case .callRecorded: 20
        case .smsReceived: 21
        case .voicemailLeft: 22
        case .operatorHold: 23
        case .operatorUnhold: 24
        case .operatorCancel: 25
        case .effectCompleted: 26
        case .effectFailed: 27
        case .effectRetried: 28
        case .unreadableRecord: 29
        }
    }

    /// Stable snake_case name, used in the number's event history.
    public var kindName: String {
        switch self {
        case .reserved: "reserved"
        case .forwardingChanged: "forwarding_changed"
        case .paymentSucceeded: "payment_succeeded"
        case .paymentFailed: "payment_failed"
        case .paymentActionRequired: "payment_action_required"
        case .subscriptionStatus: "subscription_status"
        case .subscriptionDeleted: "subscription_deleted"
        case .checkoutExpired: "checkout_expired"
        case .trialWillEnd: "trial_will_end"
        case .refunded: "refunded"
        case .disputeOpened: "dispute_opened"
        case .disputeClosed: "dispute_closed"
        case .provisioningStarted: "provisioning_started"
        case .provisioningFailed: "provisioning_failed"
        case .orderCompleted: "order_completed"
        case .orderCanceled: "order_canceled"
        case .providerBlocked: "provider_blocked"
        case .providerUnblocked: "provider_unblocked"
        case .providerTerminated: "provider_terminated"
        case .callRecorded: "call_recorded"
        case .smsReceived: "sms_received"
        case .voicemailLeft: "voicemail_left"
        case .operatorHold: "operator_hold"
        case .operatorUnhold: "operator_unhold"
        case .operatorCancel: "operator_cancel"
        case .effectCompleted: "effect_completed"
        case .effectFailed: "effect_failed"
        case .effectRetried: "effect_retried"
        case .unreadableRecord: "unreadable_record"
        }
    }
}

/// `POST /api/numbers`: what the customer picked.
public struct Reservation: Sendable, Hashable {
    public var e164: String
    public var customer: String
    public var skuID: String
    public var availableDIDID: String?
    public var forward: Forwarding
    /// Last: its spare bytes then hold what follows a reservation in `NumberFacts`.
    public var plan: Plan?

    public init(e164: String, customer: String, skuID: String, availableDIDID: String? = nil,
                plan: Plan? = nil, forward: Forwarding = Forwarding()) {
        self.e164 = e164
        self.customer = customer
        self.skuID = skuID
        self.availableDIDID = availableDIDID
        self.plan = plan
        self.forward = forward
    }
}

public struct Plan: Sendable, Hashable {
    public enum Overage: String, Sendable, Hashable { case bill, block }
    public var includedCallSeconds: Int64
    public var includedSMS: Int64
    public var overage: Overage

    public init(includedCallSeconds: Int64, includedSMS: Int64, overage: Overage) {
        self.includedCallSeconds = includedCallSeconds
        self.includedSMS = includedSMS
        self.overage = overage
    }
}

/// Where SMS and voicemail go.
public struct Forwarding: Sendable, Hashable {
    public var email: String?
    public var webhookURL: String?
    public var phone: String?

    public init(email: String? = nil, webhookURL: String? = nil, phone: String? = nil) {
        self.email = email
        self.webhookURL = webhookURL
        self.phone = phone
    }

    public var hasTarget: Bool { email != nil || webhookURL != nil || phone != nil }
}

/// A payment success (checkout paid, invoice paid, payment intent succeeded).
public struct PaymentSucceeded: Sendable, Hashable {
    public var subscriptionID: String?
    /// The invoice line `period.end`, when the payment was an invoice; `paid_through` is the maximum seen.
    public var periodEnd: UnixSeconds?
    public var paymentIntentID: String?
    public var chargeID: String?

    public init(subscriptionID: String? = nil, periodEnd: UnixSeconds? = nil,
                paymentIntentID: String? = nil, chargeID: String? = nil) {
        self.subscriptionID = subscriptionID
        self.periodEnd = periodEnd
        self.paymentIntentID = paymentIntentID
        self.chargeID = chargeID
    }
}

/// One DIDWW CDR. Its id is the event id; its `time_start` is the event time.
public struct CallRecord: Sendable, Hashable {
    public var durationSeconds: Int64
    public var success: Bool
    /// Nil when the CDR has no `is_last_cdr` field (then it is the whole call).
    public var isLastCDR: Bool?
    public var from: String?

    public init(durationSeconds: Int64, success: Bool, isLastCDR: Bool? = nil, from: String? = nil) {
        self.durationSeconds = durationSeconds
        self.success = success
        self.isLastCDR = isLastCDR
        self.from = from
    }
}

/// One inbound SMS. Its uuid is the event id.
public struct InboundSMS: Sendable, Hashable {
    public var from: String
    public var to: String
    public var text: String

    public init(from: String, to: String, text: String) {
        self.from = from
        self.to = to
        self.text = text
    }
}

/// One voicemail from the operator's voice platform. Its id is the event id.
public struct Voicemail: Sendable, Hashable {
    public var from: String
    public var seconds: Int64
    public var recordingURL: String

    public init(from: String, seconds: Int64, recordingURL: String) {
        self.from = from
        self.seconds = seconds
        self.recordingURL = recordingURL
    }
}
