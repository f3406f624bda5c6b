/// Bounds and windows of the engine's state.
public struct EngineLimits: Sendable {
    public var parkedCapacity = 100_000
    public var dedupeCapacity = DedupeWindow.defaultCapacity
    public var dedupeRetentionNanos = DedupeWindow.defaultRetentionNanos

    public init() {}
}

/// The whole engine state as plain values: what recovery rebuilds from a snapshot plus the journal
/// tail (DESIGN.md: replay builds plain state first and creates actors after), and what tests compare.
public struct EngineState: Sendable {
    public var numbers: [String: NumberEntry] = [:]
    public var router = RouterIndexes()
    public var parked: ParkedEvents
    public var dedupe: DedupeWindow
    /// The last record whose global part (dedupe, parked list) is reflected here.
    public var globalSequence: UInt64 = 0

    public init(limits: EngineLimits = EngineLimits()) {
        parked = ParkedEvents(capacity: limits.parkedCapacity)
        dedupe = DedupeWindow(retentionNanos: limits.dedupeRetentionNanos, capacity: limits.dedupeCapacity)
    }

    /// Applies one journal record. The global part (dedupe window, parked list) runs only past
    /// `globalSequence`; the number part only past that number's `appliedSequence`, so a snapshot whose
    /// entities were captured at different moments replays exactly.
    public mutating func apply(_ record: EngineRecord, sequence: UInt64, timeNanos: Int64) {
        if sequence > globalSequence {
            switch record {
            case .event(let event):
                if let key = event.dedupe { dedupe.insert(key, time: timeNanos) }
                if event.target == nil { parked.park(ParkedEvent(id: sequence, time: timeNanos, event: event.event)) }
            case .assignParked(let assign):
                parked.remove(assign.parkedID)
            case .discardParked(let discard):
                parked.remove(discard.parkedID)
            }
            globalSequence = sequence
        }
        if let (number, event, granted) = record.numberEvent {
            for key in granted { router.restore(key, number: number) }
            numbers[number, default: NumberEntry(id: number)].apply(event, granted: granted, sequence: sequence, timeNanos: timeNanos)
        }
    }

    /// Rebuilds the router from the entries' keys (after loading a snapshot).
    public mutating func rebuildRouter() {
        router = RouterIndexes()
        var singles = 0
        var customers = 0
        for entry in numbers.values {
            for key in entry.keys { if key.kind == .customer { customers += 1 } else { singles += 1 } }
        }
        router.reserve(singleKeys: singles, customers: customers)
        for (number, entry) in numbers {
            for key in entry.keys { router.restore(key, number: number) }
        }
    }

    /// Numbers per lifecycle state, for summaries and metrics.
    public var countsByState: [String: Int] {
        var counts: [String: Int] = [:]
        for entry in numbers.values { counts[entry.state.state.rawValue, default: 0] += 1 }
        return counts
    }
}
