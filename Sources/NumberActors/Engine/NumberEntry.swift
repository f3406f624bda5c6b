/// A number as the engine keeps it: the domain state plus the route keys granted to it. The router's
/// indexes are the union of all entries' keys, so they need no place of their own in snapshots.
public struct NumberEntry: Sendable, Equatable {
    public var state: NumberState
    public private(set) var keys: [RouteKey]

    public init(state: NumberState, keys: [RouteKey] = []) {
        self.state = state
        self.keys = keys
    }

    public init(id: String) { self.init(state: NumberState(id: id)) }

    /// Holds a number's place while its state is inside the transition (shared, never mutated).
    private static let placeholder = NumberState(id: "")

    mutating func grant(_ granted: [RouteKey]) {
        for key in granted where !keys.contains(key) { keys.append(key) }
    }

    /// Applies one journaled event (the pure transition); a record at or below `appliedSequence` changes nothing.
    @discardableResult
    mutating func apply(_ event: IncomingEvent, granted: [RouteKey], sequence: UInt64, timeNanos: Int64) -> [Effect] {
        guard sequence > state.appliedSequence else { return [] }
        let domainEvent = DomainEvent(numberID: state.id, source: event.source, payload: event.payload)
        let position = JournalPosition(sequence: sequence, recordTime: timeNanos / 1_000_000_000)
        // Hand the state over (the transition consumes it) so its buffers are updated in place, not copied.
        var current = Self.placeholder
        swap(&current, &state)
        let (next, effects) = NumberLifecycle.transition(consume current, domainEvent, at: position)
        state = next
        grant(granted)
        return effects
    }
}
