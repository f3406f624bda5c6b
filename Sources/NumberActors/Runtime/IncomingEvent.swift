/// An authenticated event as the edge hands it to the engine: the domain payload plus everything the
/// router needs to find its number. The server translates provider JSON into this; the engine never
/// sees provider payloads.
public struct IncomingEvent: Sendable, Hashable {
    /// Where the event came from, for the dedupe key: "stripe", "didww", "sms", "cdr", "voice", "api",
    /// "operator", "effect". Together with `source.eventID` it names the event for dedupe.
    public var channel: String
    /// The number the event names itself (`metadata.number_id`, `client_reference_id`, the DIDWW
    /// callback URL's `number`), if any. An id that is not reserved yet still gets its record.
    public var numberID: String?
    /// Other fields that can lead to a number (subscription, customer, charge, ...).
    public var keys: [RouteKey]
    public var source: EventSource
    public var payload: DomainEventPayload

    public init(channel: String, numberID: String? = nil, keys: [RouteKey] = [], source: EventSource, payload: DomainEventPayload) {
        self.channel = channel
        self.numberID = numberID
        self.keys = keys
        self.source = source
        self.payload = payload
    }

    public var dedupeKey: DedupeKey { DedupeKey(source: channel, id: source.eventID) }
}

/// What became of an ingested event. Returned only once the event (or its first delivery) is durable.
public enum IngestOutcome: Sendable, Equatable {
    /// Journaled and routed to this number.
    case accepted(number: String, sequence: UInt64)
    /// Seen before (within the dedupe window): nothing changed.
    case duplicate
    /// Journaled and parked: no index knows its number yet.
    case parked(id: UInt64)
}

public enum EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parked list is full: refuse (the provider retries) rather than drop.
    case unroutableFull(capacity: Int)
    /// The journal failed; the engine accepts nothing until restarted and recovered from disk.
    case unavailable(String)
    case unknownParked(UInt64)
    /// One event larger than the journal accepts; nothing was changed.
    case eventTooLarge(bytes: Int, limit: Int)
    case closed

    public var description: String {
        switch self {
        case .unroutableFull(let capacity): return "the unroutable list is full (\(capacity) parked events)"
        case .unavailable(let reason): return "engine unavailable: \(reason)"
        case .unknownParked(let id): return "no parked event \(id)"
        case .eventTooLarge(let bytes, let limit): return "event of \(bytes) bytes exceeds the journal's record limit of \(limit) bytes"
        case .closed: return "engine is closed"
        }
    }
}
