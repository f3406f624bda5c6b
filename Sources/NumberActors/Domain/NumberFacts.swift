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
    /// Declared after `reservation`, whose padding holds it (the box of a number is smaller by a word).
    public var paid = false
    /// Newest of the reservation's forwarding and later `forwardingChanged` events.
    public var forward: Stamped<Forwarding>?
    /// The latest invoice period end paid. Stored without an optional's tag byte (`Int64.min` is none: a
    /// period end that small is never the latest), which keeps a number's box a malloc size class smaller.
    public var paidThrough: UnixSeconds? {
        get { paidThroughStorage == .min ? nil : paidThroughStorage }
        set { paidThroughStorage = newValue ?? .min }
    }
    private var paidThroughStorage: UnixSeconds = .min
    /// Earliest (by billing stamp) payment that carried a payment intent or charge id.
    public var payment: Stamped<PaymentReference>?
    /// Newest (by billing stamp) subscription id seen.
    public var subscription: Stamped<String>?
    /// Earliest ProvisioningStarted.
    public var startedOrder: Stamped<String>?
    /// Earliest OrderCompleted: the number is live.
    public var completedOrder: Stamped<CompletedOrder>?
    /// Newest by (Stripe `created`, event id) of payment succeeded / failed / subscription status.
    public var billing: Stamped<BillingStanding>?
    public var usage = UsageLedger()
    /// The facts most numbers never have, out of line.
    private var rare = RareFactsStorage()

    public init() {}

    /// Earliest OrderCanceled / ProvisioningFailed.
    public var provisioningFailure: Stamped<ProvisioningFailure>? {
        get { rare.provisioningFailure }
        set { if newValue.isSome || rare.exists { rare.fields.provisioningFailure = newValue } }
    }
    public var disputesOpened: Set<String> {
        get { rare.disputesOpened }
        _modify { yield &rare.fields.disputesOpened }
        set { if !newValue.isEmpty || rare.exists { rare.fields.disputesOpened = newValue } }
    }
    public var disputesClosed: Set<String> {
        get { rare.disputesClosed }
        _modify { yield &rare.fields.disputesClosed }
        set { if !newValue.isEmpty || rare.exists { rare.fields.disputesClosed = newValue } }
    }
    /// Newest of ProviderBlocked (true) / ProviderUnblocked (false).
    public var providerBlock: Stamped<Bool>? {
        get { rare.providerBlock }
        set { if newValue.isSome || rare.exists { rare.fields.providerBlock = newValue } }
    }
    /// Newest of operator hold / unhold.
    public var operatorHold: Stamped<OperatorHold>? {
        get { rare.operatorHold }
        set { if newValue.isSome || rare.exists { rare.fields.operatorHold = newValue } }
    }
    /// Earliest occurrence of each cancellation reason.
    public var cancellations: [CancellationReason: EventStamp] {
        get { rare.cancellations }
        _modify { yield &rare.fields.cancellations }
        set { if !newValue.isEmpty || rare.exists { rare.fields.cancellations = newValue } }
    }

    public var orderID: String? { completedOrder?.value.orderID ?? startedOrder?.value }
    public var didID: String? { completedOrder?.value.didID }
    public var hasCompletedOrder: Bool { completedOrder.isSome }
    /// Whether any rare fact was ever set (false: none of them holds).
    var hasRareFacts: Bool { rare.exists }
    public var isFailed: Bool { rare.exists && rare.provisioningFailure.isSome }
    /// `orderID != nil`, without copying the ids.
    var hasOrder: Bool { completedOrder.isSome || startedOrder.isSome }
    public var openDisputes: Set<String> { disputesOpened.subtracting(disputesClosed) }
    /// `!openDisputes.isEmpty`, without building the set.
    var hasOpenDispute: Bool {
        guard rare.exists else { return false }
        let opened = rare.disputesOpened, closed = rare.disputesClosed
        return !opened.isEmpty && opened.contains { !closed.contains($0) }
    }
    public var fullyRefunded: Bool { rare.exists && rare.cancellations[.refunded] != nil }

    /// The cancellation that holds, if any: the earliest, where an expired checkout counts only while unpaid.
    public var cancellation: Stamped<CancellationReason>? {
        guard rare.exists else { return nil }
        let cancellations = rare.cancellations
        if cancellations.isEmpty { return nil }
        var best: Stamped<CancellationReason>?
        for (reason, stamp) in cancellations where !(reason == .checkoutExpired && paid) {
            if best == nil || stamp < best!.stamp { best = Stamped(reason, at: stamp) }
        }
        return best
    }

    public var isCancelled: Bool {
        guard rare.exists else { return false }
        let cancellations = rare.cancellations
        return !cancellations.isEmpty && cancellations.contains { !($0.key == .checkoutExpired && paid) }
    }

    /// Live for the derivation: an order completed and provisioning did not fail. A DID that completes on a
    /// failed number is released (DESIGN: no DID left running on a dead number), so it never counts as live.
    public var isLive: Bool { completedOrder.isSome && !isFailed }

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
        if facts.isFailed, !facts.isLive {
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

/// The facts most numbers never have: a provisioning failure, a provider block, an operator hold, disputes,
/// cancellations. A number without any of them pays one word for them (about 150 bytes less per number).
struct RareFacts: Sendable, Hashable {
    static let none = RareFacts()

    var provisioningFailure: Stamped<ProvisioningFailure>?
    var providerBlock: Stamped<Bool>?
    var operatorHold: Stamped<OperatorHold>?
    var disputesOpened: Set<String> = []
    var disputesClosed: Set<String> = []
    var cancellations: [CancellationReason: EventStamp] = [:]
}

/// `RareFacts` in a copy-on-write box, allocated on the first write. Compares and hashes by value, so a
/// number whose box holds only empty facts equals one without a box.
struct RareFactsStorage: @unchecked Sendable, Hashable {
    /// Sendable through copy-on-write: a box is never written while shared.
    final class Box {
        var fields: RareFacts
        init(_ fields: RareFacts) { self.fields = fields }
    }

    private var box: Box?

    var exists: Bool { box != nil }

    var fields: RareFacts {
        _read {
            if let box { yield box.fields } else { yield RareFacts.none }
        }
        _modify {
            if box == nil {
                box = Box(RareFacts())
            } else if !isKnownUniquelyReferenced(&box) {
                box = Box(box!.fields)
            }
            yield &box!.fields
        }
    }

    // Each fact read straight from the box: reading through `fields` copied the whole struct first.
    var provisioningFailure: Stamped<ProvisioningFailure>? { box?.fields.provisioningFailure }
    var providerBlock: Stamped<Bool>? { box?.fields.providerBlock }
    var operatorHold: Stamped<OperatorHold>? { box?.fields.operatorHold }
    var disputesOpened: Set<String> { box?.fields.disputesOpened ?? [] }
    var disputesClosed: Set<String> { box?.fields.disputesClosed ?? [] }
    var cancellations: [CancellationReason: EventStamp] { box?.fields.cancellations ?? [:] }

    static func == (lhs: RareFactsStorage, rhs: RareFactsStorage) -> Bool {
        lhs.box === rhs.box || lhs.fields == rhs.fields
    }

    func hash(into hasher: inout Hasher) { fields.hash(into: &hasher) }
}
