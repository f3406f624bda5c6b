import Dispatch
import Snapshot

/// Snapshot entities of the engine (kinds of the Snapshot module's entities; docs/domain-formats.md).
enum EngineSnapshotCodec {
    enum Kind: UInt16 {
        case meta = 1
        case dedupe = 2
        case parked = 3
        case number = 4
    }

    static let version: UInt8 = 1
    static let dedupeChunk = 65_536

    struct Meta: Equatable {
        var coveredSequence: UInt64
        var globalSequence: UInt64
        var evictedEarly: UInt64
        var numbers: UInt64
        var parked: UInt64
        var dedupe: UInt64
    }

    static func encode(_ meta: Meta) -> [UInt8] {
        var writer = DomainWriter()
        writer.u8(version)
        for value in [meta.coveredSequence, meta.globalSequence, meta.evictedEarly, meta.numbers, meta.parked, meta.dedupe] {
            writer.uvarint(value)
        }
        return writer.bytes
    }

    static func decodeMeta(_ bytes: [UInt8]) throws -> Meta {
        var reader = DomainReader(bytes)
        try checkVersion(&reader)
        let meta = Meta(coveredSequence: try reader.uvarint(), globalSequence: try reader.uvarint(), evictedEarly: try reader.uvarint(),
                        numbers: try reader.uvarint(), parked: try reader.uvarint(), dedupe: try reader.uvarint())
        try reader.finish()
        return meta
    }

    static func encode(_ entries: ArraySlice<DedupeWindow.Entry>) -> [UInt8] {
        var writer = DomainWriter()
        writer.u8(version)
        writer.count(entries.count)
        for entry in entries {
            writer.u64(entry.key.h1)
            writer.u64(entry.key.h2)
            writer.svarint(entry.time)
        }
        return writer.bytes
    }

    static func decodeDedupe(_ bytes: [UInt8]) throws -> [DedupeWindow.Entry] {
        var reader = DomainReader(bytes)
        try checkVersion(&reader)
        let count = try reader.count(minimumBytes: 17)
        var entries: [DedupeWindow.Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let key = DedupeKey(h1: try reader.u64(), h2: try reader.u64())
            entries.append(DedupeWindow.Entry(key: key, time: try reader.svarint()))
        }
        try reader.finish()
        return entries
    }

    static func encode(_ parked: ParkedEvent) -> [UInt8] {
        var writer = DomainWriter()
        writer.u8(version)
        writer.uvarint(parked.id)
        writer.svarint(parked.time)
        writer.writeIncoming(parked.event)
        return writer.bytes
    }

    static func decodeParked(_ bytes: [UInt8]) throws -> ParkedEvent {
        var reader = DomainReader(bytes)
        try checkVersion(&reader)
        let parked = ParkedEvent(id: try reader.uvarint(), time: try reader.svarint(), event: try reader.readIncoming())
        try reader.finish()
        return parked
    }

    static func encode(_ entry: NumberEntry) -> [UInt8] {
        var writer = DomainWriter(capacity: 1_536)
        writer.u8(version)
        writer.writeKeys(entry.keys)
        writer.write(entry.state)
        return writer.bytes
    }

    static func decodeNumber(_ bytes: [UInt8]) throws -> NumberEntry {
        var reader = DomainReader(bytes)
        try checkVersion(&reader)
        let keys = try reader.readKeys()
        let state: NumberState = try reader.read()
        try reader.finish()
        return NumberEntry(state: state, keys: keys)
    }

    private static func checkVersion(_ reader: inout DomainReader) throws {
        let found = try reader.u8()
        guard found == version else { throw DomainCodecError.unsupportedVersion(found) }
    }
}

extension EngineState {
    static let decodeBatch = 8192

    typealias NumberBatch = ParallelBatch<[UInt8], Result<NumberEntry, DomainCodecError>>

    /// Starts decoding number entities in the background (on all cores) while the snapshot is read on.
    private static func startDecoding(_ pending: [[UInt8]]) -> NumberBatch {
        NumberBatch(pending) { bytes in
            do {
                return .success(try EngineSnapshotCodec.decodeNumber(bytes))
            } catch let error as DomainCodecError {
                return .failure(error)
            } catch {
                return .failure(.invalidValue("\(error)", offset: 0))
            }
        }
    }

    /// Inserts a decoded batch, in order; the first entity that did not decode throws.
    private mutating func insert(_ batch: NumberBatch?) throws {
        guard let batch else { return }
        for result in batch.wait() {
            let entry = try result.get()
            numbers[entry.state.id] = entry
            // The router's indexes are the union of the entries' keys: restored here, while the next batch decodes.
            for key in entry.keys { router.restore(key, number: entry.state.id) }
        }
    }

    /// Loads a snapshot into this (empty) state; returns its meta. Any damage throws, and the caller
    /// starts again from empty state with the next older snapshot.
    mutating func load(_ reader: SnapshotReader) throws -> EngineSnapshotCodec.Meta {
        var meta: EngineSnapshotCodec.Meta?
        var dedupeEntries: [DedupeWindow.Entry] = []
        var pendingNumbers: [[UInt8]] = []
        // One batch decodes in the background while the next one is read.
        var decoding: NumberBatch?
        defer { _ = decoding?.wait() }
        try reader.readEntities { entity in
            let bytes = Array(entity.payload)
            do {
                switch EngineSnapshotCodec.Kind(rawValue: entity.kind) {
                case .meta:
                    let decoded = try EngineSnapshotCodec.decodeMeta(bytes)
                    meta = decoded
                    // The meta entity comes first: size the tables once (bounded, a corrupt count cannot balloon it).
                    let expected = Int(min(decoded.numbers, 50_000_000))
                    numbers.reserveCapacity(expected)
                    router = RouterIndexes()
                    router.reserve(singleKeys: expected, customers: expected)
                    dedupeEntries.reserveCapacity(Int(min(decoded.dedupe, UInt64(dedupe.capacity))))
                case .dedupe: dedupeEntries += try EngineSnapshotCodec.decodeDedupe(bytes)
                case .parked: parked.park(try EngineSnapshotCodec.decodeParked(bytes))
                case .number:
                    pendingNumbers.append(bytes)
                    if pendingNumbers.count >= Self.decodeBatch {
                        let previous = decoding
                        decoding = Self.startDecoding(pendingNumbers)
                        pendingNumbers.removeAll(keepingCapacity: true)
                        try insert(previous)
                    }
                case nil: throw DomainCodecError.invalidValue("snapshot entity kind \(entity.kind)", offset: 0)
                }
            } catch let error as DomainCodecError {
                throw StorageError.corrupt(file: reader.path, offset: 0, reason: "entity of kind \(entity.kind) does not decode: \(error)")
            }
        }
        do {
            let previous = decoding
            decoding = nil
            try insert(previous)
            try insert(Self.startDecoding(pendingNumbers))
        } catch let error as DomainCodecError {
            throw StorageError.corrupt(file: reader.path, offset: 0, reason: "a number entity does not decode: \(error)")
        }
        guard let meta else { throw StorageError.corrupt(file: reader.path, offset: 0, reason: "snapshot has no meta entity") }
        guard meta.numbers == UInt64(numbers.count), meta.parked == UInt64(parked.count), meta.dedupe == UInt64(dedupeEntries.count) else {
            throw StorageError.corrupt(file: reader.path, offset: 0, reason: "entity counts disagree with the meta entity")
        }
        dedupe = DedupeWindow(entries: dedupeEntries, evictedEarly: meta.evictedEarly,
                              retentionNanos: dedupe.retentionNanos, capacity: dedupe.capacity)
        globalSequence = meta.globalSequence
        return meta
    }
}
