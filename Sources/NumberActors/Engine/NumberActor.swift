import Synchronization

/// One phone number's owner. Events reach it through a mailbox that the journal's completion fills in
/// sequence order; the actor drains the mailbox in that order with no suspension point between taking
/// and applying, so whatever the task scheduling, a number sees its events in journal order.
public actor NumberActor {
    public nonisolated let id: String
    private var entry: NumberEntry
    private nonisolated let mailbox = Mutex(Mailbox())
    private nonisolated let observer: EngineObserver?

    struct Pending: Sendable {
        var sequence: UInt64
        var timeNanos: Int64
        var event: IncomingEvent
        var granted: [RouteKey]
    }

    struct Mailbox: Sendable {
        var items: [Pending] = []
        var scheduled = false
    }

    init(entry: NumberEntry, observer: EngineObserver?) {
        id = entry.state.id
        self.entry = entry
        self.observer = observer
    }

    /// Called on the journal writer thread, in sequence order, once the record is durable. Returns true
    /// when the caller must schedule `drainMailbox()` (nobody has yet).
    nonisolated func postNeedsSchedule(_ pending: Pending) -> Bool {
        mailbox.withLock { box -> Bool in
            box.items.append(pending)
            if box.scheduled { return false }
            box.scheduled = true
            return true
        }
    }

    func drainMailbox() { drain() }

    private func drain() {
        let items = mailbox.withLock { box -> [Pending] in
            let taken = box.items
            box.items.removeAll(keepingCapacity: true)
            box.scheduled = false
            return taken
        }
        for item in items {
            let effects = entry.apply(item.event, granted: item.granted, sequence: item.sequence, timeNanos: item.timeNanos)
            observer?.applied(entry.state, effects)
        }
    }

    /// The number with every durable event applied (drains the mailbox first).
    public func current() -> NumberEntry {
        drain()
        return entry
    }
}

/// Hooks for what happens after an event is applied (live updates, effect workers). Called on the
/// number's actor: keep them short and non-blocking.
public struct EngineObserver: Sendable {
    public var applied: @Sendable (_ state: NumberState, _ effects: [Effect]) -> Void

    public init(applied: @escaping @Sendable (_ state: NumberState, _ effects: [Effect]) -> Void) {
        self.applied = applied
    }
}
