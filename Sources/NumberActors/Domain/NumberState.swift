/// Which once-per-number effects have been emitted, so none is emitted twice whatever arrives later.
public struct EmittedEffects: Sendable, Hashable {
    public var provisionNumber = false
    public var assignRouting = false
    public var releaseNumber = false
    public var cancelOrder = false
    public var refundPayment = false

    public init() {}
}

/// Everything the service keeps about one number: the facts, the bookkeeping of the transition function,
/// the outbox and the recent history. `state` and `stateReason` are derived from the facts, never stored.
public struct NumberState: Sendable, Hashable {
    public var id: String
    public var facts = NumberFacts()
    /// Count of journaled events applied to this number, including those recorded as ignored.
    public var version: UInt64 = 0
    /// Journal sequence of the last applied event; older sequences are not applied again (replay guard).
    public var appliedSequence: UInt64 = 0
    /// Journal record time of the last applied event.
    public var updatedAt: UnixSeconds?
    public var emitted = EmittedEffects()
    /// Emitted effects not yet completed (pending, or failed for good), oldest first.
    public var outbox: [OutboxEntry] = []
    public var history: NumberHistory

    public init(id: String, historyCapacity: Int = NumberHistory.defaultCapacity) {
        self.id = id
        self.history = NumberHistory(capacity: historyCapacity)
    }

    // MARK: Derived

    public var status: LifecycleStatus { NumberLifecycle.derive(facts) }
    public var state: LifecycleState { status.state }
    public var stateReason: String? { status.reason }

    // MARK: The number JSON (CONTRACT.md)

    public var e164: String? { facts.reservation?.e164 }
    public var customer: String? { facts.reservation?.customer }
    public var stripeSubscription: String? { facts.subscription?.value }
    public var paidThrough: UnixSeconds? { facts.paidThrough }
    public var didwwSKU: String? { facts.reservation?.skuID }
    public var didwwOrderID: String? { facts.orderID }
    public var didwwDIDID: String? { facts.didID }
    public var plan: Plan? { facts.reservation?.plan }
    public var forward: Forwarding { facts.forward?.value ?? Forwarding() }
    /// The latest month with usage (`usage.month` names it).
    public var usage: (month: UsageMonth, usage: MonthUsage)? { facts.usage.latest }
    public var updatedAtISO8601: String? { updatedAt.map(CivilDate.iso8601) }
}
