/// A value with the stamp of the event that set it, so that competing events pick the same winner in any order.
public struct Stamped<Value: Sendable & Hashable>: Sendable, Hashable {
    public var stamp: EventStamp
    public var value: Value

    public init(_ value: Value, at stamp: EventStamp) {
        self.stamp = stamp
        self.value = value
    }
}

/// What an attempt to add a stamped fact did.
enum FactMerge: Equatable {
    case replaced
    case duplicate
    case superseded
}

extension Optional {
    /// `self != nil` without copying the wrapped value (the generic `!=` copies it, retaining its strings).
    var isSome: Bool {
        switch self {
        case .some: true
        case .none: false
        }
    }

    /// Keeps the candidate when it is newer (last writer by stamp wins).
    mutating func keepNewest<V>(_ candidate: Stamped<V>) -> FactMerge where Wrapped == Stamped<V> {
        guard let current = self else { self = candidate; return .replaced }
        if current.stamp == candidate.stamp { return .duplicate }
        guard current.stamp < candidate.stamp else { return .superseded }
        self = candidate
        return .replaced
    }

    /// Keeps the candidate when it is older (first occurrence by stamp wins).
    mutating func keepOldest<V>(_ candidate: Stamped<V>) -> FactMerge where Wrapped == Stamped<V> {
        guard let current = self else { self = candidate; return .replaced }
        if current.stamp == candidate.stamp { return .duplicate }
        guard candidate.stamp < current.stamp else { return .superseded }
        self = candidate
        return .replaced
    }
}

public enum LifecycleState: String, Sendable, Hashable, CaseIterable {
    case pending, paid, provisioning, active, suspended, cancelled, failed
}

/// Derived `state` and `state_reason`.
public struct LifecycleStatus: Sendable, Hashable {
    public var state: LifecycleState
    public var reason: String?

    public init(_ state: LifecycleState, reason: String? = nil) {
        self.state = state
        self.reason = reason
    }
}

/// The terminal facts; the raw value is the `state_reason` of a cancelled number.
public enum CancellationReason: String, Sendable, Hashable, CaseIterable {
    case subscriptionDeleted = "subscription_deleted"
    case subscriptionCanceled = "subscription_canceled"
    case subscriptionIncompleteExpired = "subscription_incomplete_expired"
    case refunded = "refunded"
    case disputeLost = "dispute_lost"
    case providerTerminated = "provider_terminated"
    case operatorCancel = "operator_cancel"
    /// Only while no payment is known: a payment seen later undoes it.
    case checkoutExpired = "checkout_expired"
}

/// The newest billing signal: good, or delinquent with the suspension reason it implies.
public enum BillingStanding: Sendable, Hashable {
    case good
    case delinquent(reason: String)
}

/// Why provisioning failed; the raw value is the `state_reason` of a failed number.
public enum ProvisioningFailureKind: String, Sendable, Hashable {
    case orderCanceled = "order_canceled"
    case provisioningFailed = "provisioning_failed"
}

public struct ProvisioningFailure: Sendable, Hashable {
    public var kind: ProvisioningFailureKind
    /// The order id (canceled) or the worker's reason text.
    public var detail: String

    public init(kind: ProvisioningFailureKind, detail: String) {
        self.kind = kind
        self.detail = detail
    }
}

public struct CompletedOrder: Sendable, Hashable {
    public var orderID: String
    public var didID: String

    public init(orderID: String, didID: String) {
        self.orderID = orderID
        self.didID = didID
    }
}

/// The ids a refund needs, from the earliest payment that carried any.
public struct PaymentReference: Sendable, Hashable {
    public var paymentIntentID: String?
    public var chargeID: String?

    public init(paymentIntentID: String?, chargeID: String?) {
        self.paymentIntentID = paymentIntentID
        self.chargeID = chargeID
    }
}

public struct OperatorHold: Sendable, Hashable {
    public var held: Bool
    public var operatorName: String

    public init(held: Bool, operatorName: String) {
        self.held = held
        self.operatorName = operatorName
    }
}

/// Facts, not transitions (DESIGN.md): each event can only add to these, and every merge picks a winner that
/// does not depend on arrival order, so the same set of events gives equal facts.
public struct NumberFacts: Sendable, Hashable {
    public var reservation: Reservation?
    /// Newest of the reservation's forwarding and later `forwardingChanged` events.
    public var forward: Stamped<Forwarding>?
    public var paid = false
    public var paidThrough: UnixSeconds?
    /// Earliest (by billing stamp) payment that carried a payment intent or charge id.
    public var payment: Stamped<PaymentReference>?
    /// Newest (by billing stamp) subscription id seen.
    public var subscription: Stamped<String>?
    /// Earliest ProvisioningStarted.
    public var startedOrder: Stamped<String>?
    /// Earliest OrderCompleted: the number is live.
    public var completedOrder: Stamped<CompletedOrder>?
    /// Earliest OrderCanceled / ProvisioningFailed.
    public var provisioningFailure: Stamped<ProvisioningFailure>?
    /// Newest by (Stripe `created`, event id) of payment succeeded / failed / subscription status.
    public var billing: Stamped<BillingStanding>?
    public var disputesOpened: Set<String> = []
    public var disputesClosed: Set<String> = []
    public var usage = UsageLedger()
    /// Newest of ProviderBlocked (true) / ProviderUnblocked (false).
    public var providerBlock: Stamped<Bool>?
    /// Newest of operator hold / unhold.
    public var operatorHold: Stamped<OperatorHold>?
    /// Earliest occurrence of each cancellation reason.
    public var cancellations: [CancellationReason: EventStamp] = [:]

    public init() {}

    public var orderID: String? { completedOrder?.value.orderID ?? startedOrder?.value }
    public var didID: String? { completedOrder?.value.didID }
    public var hasCompletedOrder: Bool { completedOrder.isSome }
    public var isFailed: Bool { provisioningFailure.isSome }
    /// `orderID != nil`, without copying the ids.
    var hasOrder: Bool { completedOrder.isSome || startedOrder.isSome }
    public var openDisputes: Set<String> { disputesOpened.subtracting(disputesClosed) }
    /// `!openDisputes.isEmpty`, without building the set.
    var hasOpenDispute: Bool {
        !disputesOpened.isEmpty && disputesOpened.contains { !disputesClosed.contains($0) }
    }
    public var fullyRefunded: Bool { cancellations[.refunded] != nil }

    /// The cancellation that holds, if any: the earliest, where an expired checkout counts only while unpaid.
    public var cancellation: Stamped<CancellationReason>? {
        if cancellations.isEmpty { return nil }
        var best: Stamped<CancellationReason>?
        for (reason, stamp) in cancellations where !(reason == .checkoutExpired && paid) {
            if best == nil || stamp < best!.stamp { best = Stamped(reason, at: stamp) }
        }
        return best
    }

    public var isCancelled: Bool {
        !cancellations.isEmpty && cancellations.contains { !($0.key == .checkoutExpired && paid) }
    }

    /// Live for the derivation: an order completed and provisioning did not fail. A DID that completes on a
    /// failed number is released (DESIGN: no DID left running on a dead number), so it never counts as live.
    public var isLive: Bool { completedOrder.isSome && !provisioningFailure.isSome }

    /// `limit reached`: the latest month seen is over a limit and the plan says `block`.
    public var limitReached: Bool {
        guard let plan = reservation?.plan, plan.overage == .block, let latest = usage.latestUsage else { return false }
        return latest.callSeconds > plan.includedCallSeconds || latest.smsIn > plan.includedSMS
    }
}

extension NumberFacts {
    /// `NumberLifecycle.derive`, as a method so that callers holding the facts in place do not copy them.
    var derivedStatus: LifecycleStatus {
        @inline(__always) get {
        let facts = self  // a borrow: `self` is not copied in a getter
        if let cancellation = facts.cancellation {
            return LifecycleStatus(.cancelled, reason: cancellation.value.rawValue)
        }
        if facts.provisioningFailure.isSome, !facts.isLive {
            return LifecycleStatus(.failed, reason: facts.provisioningFailure!.value.kind.rawValue)
        }
        if !facts.paid { return LifecycleStatus(.pending) }
        if !facts.hasOrder { return LifecycleStatus(.paid) }
        if !facts.isLive { return LifecycleStatus(.provisioning) }
        if let reason = NumberLifecycle.suspensionReason(facts) { return LifecycleStatus(.suspended, reason: reason) }
        return LifecycleStatus(.active)
        }
    }
}
