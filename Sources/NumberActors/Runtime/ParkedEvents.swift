/// An authenticated event that routed nowhere, kept as part of the state until an index learns one
/// of its keys or an operator assigns or discards it. Its id is the journal sequence that parked it.
public struct ParkedEvent: Sendable, Hashable {
    public var id: UInt64
    /// Journal time (ns since the epoch) of the record that parked it.
    public var time: Int64
    public var event: IncomingEvent

    public init(id: UInt64, time: Int64, event: IncomingEvent) {
        self.id = id
        self.time = time
        self.event = event
    }
}

/// The bounded list of parked events, indexed by the keys that would route them.
public struct ParkedEvents: Sendable, Equatable {
    public let capacity: Int
    public private(set) var byID: [UInt64: ParkedEvent] = [:]
    private var waiting: [RouteKey: Set<UInt64>] = [:]

    public init(capacity: Int) {
        precondition(capacity >= 0, "negative capacity")
        self.capacity = capacity
    }

    public var count: Int { byID.count }
    public var isFull: Bool { byID.count >= capacity }

    /// Parked events, oldest first.
    public var all: [ParkedEvent] { byID.values.sorted { $0.id < $1.id } }

    /// Parks an event. The caller checks `isFull` first (and answers 503 when it is), but replay of a
    /// journal written under a larger capacity may exceed it: nothing acknowledged is ever dropped.
    public mutating func park(_ parked: ParkedEvent) {
        byID[parked.id] = parked
        for key in parked.event.keys { waiting[key, default: []].insert(parked.id) }
    }

    @discardableResult
    public mutating func remove(_ id: UInt64) -> ParkedEvent? {
        guard let parked = byID.removeValue(forKey: id) else { return nil }
        for key in parked.event.keys {
            waiting[key]?.remove(id)
            if waiting[key]?.isEmpty == true { waiting[key] = nil }
        }
        return parked
    }

    /// Parked events that carry any of `keys`, oldest first.
    public func waiting(on keys: [RouteKey]) -> [UInt64] {
        var ids: Set<UInt64> = []
        for key in keys { if let found = waiting[key] { ids.formUnion(found) } }
        return ids.sorted()
    }

    public static func == (a: ParkedEvents, b: ParkedEvents) -> Bool { a.byID == b.byID }
}
