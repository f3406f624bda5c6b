import Dispatch

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
        var work = RecoveryLanes.Work()
        apply(record, sequence: sequence, timeNanos: timeNanos, handing: &work)
        for (key, time) in work.dedupe { dedupe.insert(key, time: time) }
        for (key, number) in work.routes { router.restore(key, number: number) }
    }

    /// `apply`, handing the dedupe window's and the router's share to `work` (recovery applies them, in the
    /// same order, on lanes of their own): neither is read while records are applied.
    mutating func apply(_ record: EngineRecord, sequence: UInt64, timeNanos: Int64, handing work: inout RecoveryLanes.Work) {
        if sequence > globalSequence {
            switch record {
            case .event(let event):
                if let key = event.dedupe { work.dedupe.append((key, timeNanos)) }
                if event.target == nil { parked.park(ParkedEvent(id: sequence, time: timeNanos, event: event.event)) }
            case .assignParked(let assign):
                parked.remove(assign.parkedID)
            case .discardParked(let discard):
                parked.remove(discard.parkedID)
            }
            globalSequence = sequence
        }
        if let (number, event, granted) = record.numberEvent {
            for key in granted { work.routes.append((key, number)) }
            numbers[number, default: NumberEntry(id: number)].apply(event, granted: granted, sequence: sequence, timeNanos: timeNanos)
        }
    }

    /// Rebuilds the router from the entries' keys (after loading a snapshot).
    public mutating func rebuildRouter() {
        // The two indexes are independent: each is built on its own core.
        var singles = RouterIndexes()
        var customers = RouterIndexes()
        let numbers = self.numbers
        withUnsafeMutablePointer(to: &singles) { singles in
            withUnsafeMutablePointer(to: &customers) { customers in
                nonisolated(unsafe) let parts = (singles, customers)
                DispatchQueue.concurrentPerform(iterations: 2) { part in
                    let customerPart = part == 1
                    var index = RouterIndexes()
                    var perKind = [Int](repeating: 0, count: RouteKey.Kind.allCases.count + 1)
                    for entry in numbers.values {
                        for key in entry.keys where (key.kind == .customer) == customerPart { perKind[Int(key.kind.rawValue)] += 1 }
                    }
                    for kind in RouteKey.Kind.allCases where perKind[Int(kind.rawValue)] > 0 { index.reserve(kind, keys: perKind[Int(kind.rawValue)]) }
                    for (number, entry) in numbers {
                        for key in entry.keys where (key.kind == .customer) == customerPart { index.restore(key, number: number) }
                    }
                    if customerPart { parts.1.pointee = index } else { parts.0.pointee = index }
                }
            }
        }
        router = RouterIndexes(singlesOf: singles, customersOf: customers)
    }

    /// Numbers per lifecycle state, for summaries and metrics.
    public var countsByState: [String: Int] {
        // Each state is derived from facts that are not in cache: two threads, each over half of the numbers.
        let numbers = self.numbers
        let middle = numbers.index(numbers.startIndex, offsetBy: numbers.count / 2)
        let halves = [numbers.values[numbers.startIndex..<middle], numbers.values[middle...]]
        let partial = UnsafeMutableBufferPointer<[Int]>.allocate(capacity: 2)
        partial.initialize(repeating: [])
        defer {
            partial.deinitialize()
            partial.deallocate()
        }
        nonisolated(unsafe) let slots = partial
        DispatchQueue.concurrentPerform(iterations: 2) { half in
            var perState = [Int](repeating: 0, count: LifecycleState.allCases.count)
            for entry in halves[half] { perState[entry.state.state.index] += 1 }
            slots[half] = perState
        }
        let perState = zip(partial[0], partial[1]).map { $0 + $1 }
        var counts: [String: Int] = [:]
        for (state, count) in zip(LifecycleState.allCases, perState) where count > 0 { counts[state.rawValue] = count }
        return counts
    }
}

extension LifecycleState {
    /// Position in `allCases`, for counting without hashing names.
    var index: Int {
        switch self {
        case .pending: 0
        case .paid: 1
        case .provisioning: 2
        case .active: 3
        case .suspended: 4
        case .cancelled: 5
        case .failed: 6
        }
    }
}
