/// Deterministic effect identity: (number id, version of the event that emitted it, index in that event's list).
/// Workers use `text` as the idempotency key towards providers, so a re-run after a crash is harmless.
public struct EffectID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var numberID: String
    public var version: UInt64
    public var index: UInt32

    public init(numberID: String, version: UInt64, index: UInt32) {
        self.numberID = numberID
        self.version = version
        self.index = index
    }

    /// `<number id>:<version>:<index>`, e.g. `num_8Jq2:17:0`.
    public var text: String { "\(numberID):\(version):\(index)" }
    public var description: String { text }

    public static func < (lhs: EffectID, rhs: EffectID) -> Bool {
        (lhs.numberID, lhs.version, lhs.index) < (rhs.numberID, rhs.version, rhs.index)
    }
}

/// Something the outside world must be asked to do. The transition function only describes it.
public struct Effect: Sendable, Hashable {
    public var id: EffectID
    public var action: EffectAction

    public init(id: EffectID, action: EffectAction) {
        self.id = id
        self.action = action
    }
}

public enum EffectAction: Sendable, Hashable {
    /// Buy the DID from DIDWW. The worker journals `provisioningStarted(orderID)` once DIDWW accepted the order,
    /// `provisioningFailed` when it gives up, and then settles this effect with `effectCompleted`/`effectFailed`.
    case provisionNumber(skuID: String, availableDIDID: String?, e164: String)
    /// Point the live DID at our trunk.
    case assignRouting(didID: String)
    /// Give the DID back to DIDWW: the number is dead.
    case releaseNumber(didID: String)
    /// Cancel a DIDWW order still in flight on a dead number.
    case cancelOrder(orderID: String)
    /// Refund the purchase through Stripe (provisioning failed after a payment).
    case refundPayment(paymentIntentID: String?, chargeID: String?)
    /// Forward one inbound SMS to the customer's targets.
    case forwardSMS(smsID: String, from: String, to: String, text: String, forward: Forwarding)
    /// Tell the customer something.
    case notifyCustomer(customer: String?, forward: Forwarding, notification: CustomerNotification)
    /// Bill usage above the plan (Stripe meter event).
    case reportUsage(customer: String?, subscriptionID: String?, month: UsageMonth, meter: UsageMeter, quantity: Int64)

    public var kindName: String {
        switch self {
        case .provisionNumber: "provision_number"
        case .assignRouting: "assign_routing"
        case .releaseNumber: "release_number"
        case .cancelOrder: "cancel_order"
        case .refundPayment: "refund_payment"
        case .forwardSMS: "forward_sms"
        case .notifyCustomer: "notify_customer"
        case .reportUsage: "report_usage"
        }
    }
}

public enum UsageMeter: UInt8, Sendable, Hashable {
    case callSeconds = 0
    case sms = 1
}

public enum CustomerNotification: Sendable, Hashable {
    case stateChanged(state: LifecycleState, reason: String?)
    case voicemail(voicemailID: String, from: String, seconds: Int64, recordingURL: String)
    case paymentActionRequired(hostedInvoiceURL: String?)
    case trialWillEnd(trialEnd: UnixSeconds?)
}

/// An emitted effect waiting for its worker. Completed entries leave the outbox; failed ones stay,
/// marked, until an operator retries them (`/admin/effects`).
public struct OutboxEntry: Sendable, Hashable {
    public enum Status: Sendable, Hashable {
        case pending
        case failed(details: String)
    }

    public var effect: Effect
    public var status: Status

    public init(effect: Effect, status: Status = .pending) {
        self.effect = effect
        self.status = status
    }
}
