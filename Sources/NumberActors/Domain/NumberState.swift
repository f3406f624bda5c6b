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
///
/// A value type whose fields live in one heap box (copy-on-write): a state is one word to move or copy, and a
/// transition that owns the only reference mutates the box in place.
public struct NumberState: Sendable, Hashable {
    struct Fields: Hashable {
        var id: String
        var facts = NumberFacts()
        var version: UInt64 = 0
        var appliedSequence: UInt64 = 0
        var updatedAt: UnixSeconds?
        var emitted = EmittedEffects()
        var outbox: [OutboxEntry] = []
        var history: NumberHistory

        var customer: String? { facts.reservation?.customer }
        var forward: Forwarding { facts.forward?.value ?? Forwarding() }
    }

    /// The heap box: a `ManagedBuffer` whose header is the fields (reached through an address, so without the
    /// dynamic exclusivity checks of a class property). Mutated only through `fields`, after a uniqueness check.
    final class Box: ManagedBuffer<Fields, UInt8> {
        static func make(_ fields: Fields) -> Box {
            unsafeDowncast(Box.create(minimumCapacity: 0) { _ in fields }, to: Box.self)
        }
    }

    /// Sendable: a box is never written while shared (copy-on-write), and `Fields` holds only Sendable values.
    struct Reference: @unchecked Sendable {
        var box: Box
    }

    private var reference: Reference
    private var box: Box { reference.box }

    /// The fields, for in-place mutation (copies the box first when it is shared).
    var fields: Fields {
        _read { yield box.header }
        _modify {
            if !isKnownUniquelyReferenced(&reference.box) { reference.box = Box.make(reference.box.header) }
            yield &reference.box.header
        }
    }

    public var id: String {
        get { box.header.id }
        set { fields.id = newValue }
    }
    public var facts: NumberFacts {
        _read { yield box.header.facts }
        _modify { yield &fields.facts }
    }
    /// Count of journaled events applied to this number, including those recorded as ignored.
    public var version: UInt64 {
        get { box.header.version }
        set { fields.version = newValue }
    }
    /// Journal sequence of the last applied event; older sequences are not applied again (replay guard).
    public var appliedSequence: UInt64 {
        get { box.header.appliedSequence }
        set { fields.appliedSequence = newValue }
    }
    /// Journal record time of the last applied event.
    public var updatedAt: UnixSeconds? {
        get { box.header.updatedAt }
        set { fields.updatedAt = newValue }
    }
    public var emitted: EmittedEffects {
        get { box.header.emitted }
        set { fields.emitted = newValue }
    }
    /// Emitted effects not yet completed (pending, or failed for good), oldest first.
    public var outbox: [OutboxEntry] {
        _read { yield box.header.outbox }
        _modify { yield &fields.outbox }
    }
    public var history: NumberHistory {
        _read { yield box.header.history }
        _modify { yield &fields.history }
    }

    public init(id: String, historyCapacity: Int = NumberHistory.defaultCapacity) {
        reference = Reference(box: Box.make(Fields(id: id, history: NumberHistory(capacity: historyCapacity))))
    }

    public static func == (lhs: NumberState, rhs: NumberState) -> Bool {
        lhs.box === rhs.box || lhs.box.header == rhs.box.header
    }

    public func hash(into hasher: inout Hasher) { box.header.hash(into: &hasher) }

    // MARK: Derived

    /// Derived from the facts where they lie in the box (passing the facts by value copies ~600 bytes and
    /// retains every string in them, which shows when recovery counts a million numbers by state).
    public var status: LifecycleStatus {
        box.withUnsafeMutablePointerToHeader { NumberLifecycle.status(of: &$0.pointee) }
    }
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
