/// What the engine writes to the journal: self-contained records, so replay never re-routes and never
/// needs anything but the record and the state before it (docs/domain-formats.md, "Journal records").
public enum EngineRecord: Sendable, Equatable {
    /// A provider, API, operator or internal event: applied to `target`, or parked when `target` is nil.
    case event(EventRecord)
    /// A parked event given to a number, by an index that learned its key or by an operator.
    case assignParked(AssignRecord)
    /// A parked event an operator threw away.
    case discardParked(DiscardRecord)

    public enum Kind: UInt16, Sendable {
        case event = 1
        case assignParked = 2
        case discardParked = 3
    }

    public static let formatVersion: UInt8 = 1

    public struct EventRecord: Sendable, Equatable {
        public var target: String?
        /// Route keys this record gave to `target` (first learned wins), rebuilt into the indexes on replay.
        public var granted: [RouteKey]
        public var dedupe: DedupeKey?
        public var event: IncomingEvent
    }

    public struct AssignRecord: Sendable, Equatable {
        public var parkedID: UInt64
        public var number: String
        public var granted: [RouteKey]
        /// The operator who assigned it; nil when an index learned its key.
        public var operatorName: String?
        public var event: IncomingEvent
    }

    public struct DiscardRecord: Sendable, Equatable {
        public var parkedID: UInt64
        public var operatorName: String
    }

    public var kind: Kind {
        switch self {
        case .event: return .event
        case .assignParked: return .assignParked
        case .discardParked: return .discardParked
        }
    }

    /// The number this record applies a domain event to, and that event.
    public var numberEvent: (number: String, event: IncomingEvent, granted: [RouteKey])? {
        switch self {
        case .event(let record): return record.target.map { ($0, record.event, record.granted) }
        case .assignParked(let record): return (record.number, record.event, record.granted)
        case .discardParked: return nil
        }
    }

    /// The bytes of an `IncomingEvent` as records embed them; encoded before the engine's critical section.
    public static func encodeIncoming(_ event: IncomingEvent) -> [UInt8] {
        var writer = DomainWriter()
        writer.writeIncoming(event)
        return writer.bytes
    }

    /// The same bytes as `.event(record).encoded()`, from the event's pre-encoded bytes.
    static func encodeEvent(target: String?, granted: [RouteKey], dedupe: DedupeKey?, incoming: [UInt8]) -> [UInt8] {
        var writer = DomainWriter()
        writer.u8(formatVersion)
        writer.optionalString(target)
        writer.writeKeys(granted)
        writer.bool(dedupe != nil)
        if let dedupe {
            writer.u64(dedupe.h1)
            writer.u64(dedupe.h2)
        }
        var bytes = writer.bytes
        bytes.append(contentsOf: incoming)
        return bytes
    }

    public func encoded() -> [UInt8] {
        var writer = DomainWriter()
        writer.u8(Self.formatVersion)
        switch self {
        case .event(let record):
            writer.optionalString(record.target)
            writer.writeKeys(record.granted)
            writer.bool(record.dedupe != nil)
            if let key = record.dedupe {
                writer.u64(key.h1)
                writer.u64(key.h2)
            }
            writer.writeIncoming(record.event)
        case .assignParked(let record):
            writer.uvarint(record.parkedID)
            writer.string(record.number)
            writer.writeKeys(record.granted)
            writer.optionalString(record.operatorName)
            writer.writeIncoming(record.event)
        case .discardParked(let record):
            writer.uvarint(record.parkedID)
            writer.string(record.operatorName)
        }
        return writer.bytes
    }

    public static func decode(kind rawKind: UInt16, _ bytes: [UInt8]) throws -> EngineRecord {
        try bytes.withUnsafeBytes { try decode(kind: rawKind, $0) }
    }

    /// Decodes a record in place (a journal record's payload as read, with no copy).
    public static func decode(kind rawKind: UInt16, _ bytes: UnsafeRawBufferPointer) throws -> EngineRecord {
        guard let kind = Kind(rawValue: rawKind) else { throw DomainCodecError.invalidValue("record kind \(rawKind)", offset: 0) }
        var reader = DomainReader(unsafeBytes: bytes)
        let version = try reader.u8()
        guard version == formatVersion else { throw DomainCodecError.unsupportedVersion(version) }
        let record: EngineRecord
        switch kind {
        case .event:
            let target = try reader.optionalString()
            let granted = try reader.readKeys()
            let dedupe: DedupeKey? = try reader.bool() ? DedupeKey(h1: try reader.u64(), h2: try reader.u64()) : nil
            record = .event(EventRecord(target: target, granted: granted, dedupe: dedupe, event: try reader.readIncoming()))
        case .assignParked:
            let parkedID = try reader.uvarint()
            let number = try reader.string()
            let granted = try reader.readKeys()
            let operatorName = try reader.optionalString()
            record = .assignParked(AssignRecord(parkedID: parkedID, number: number, granted: granted,
                                                operatorName: operatorName, event: try reader.readIncoming()))
        case .discardParked:
            record = .discardParked(DiscardRecord(parkedID: try reader.uvarint(), operatorName: try reader.string()))
        }
        try reader.finish()
        return record
    }
}

extension DomainWriter {
    mutating func writeKeys(_ keys: [RouteKey]) {
        count(keys.count)
        for key in keys {
            u8(key.kind.rawValue)
            string(key.value)
        }
    }

    /// channel, explicit number id, keys, then the domain event (its number id is the explicit one or "").
    mutating func writeIncoming(_ event: IncomingEvent) {
        string(event.channel)
        optionalString(event.numberID)
        writeKeys(event.keys)
        write(event.source)
        write(event.payload)
    }
}

extension DomainReader {
    mutating func readKeys() throws(DomainCodecError) -> [RouteKey] {
        let count = try count(minimumBytes: 2)
        var keys: [RouteKey] = []
        keys.reserveCapacity(count)
        for _ in 0..<count {
            let (tag, offset) = try tag()
            guard let kind = RouteKey.Kind(rawValue: tag) else { throw .invalidTag(type: "RouteKey.Kind", tag: tag, offset: offset) }
            let value = try string()
            // E.164 keys are stored normalized; anything else would be a record we never wrote.
            if kind == .e164 && !value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                throw .invalidValue("E.164 key is not digits only", offset: offset)
            }
            keys.append(RouteKey(normalized: kind, value))
        }
        return keys
    }

    mutating func readIncoming() throws(DomainCodecError) -> IncomingEvent {
        let channel = try string()
        let numberID = try optionalString()
        let keys = try readKeys()
        let source: EventSource = try read()
        let payload: DomainEventPayload = try read()
        return IncomingEvent(channel: channel, numberID: numberID, keys: keys, source: source, payload: payload)
    }
}
