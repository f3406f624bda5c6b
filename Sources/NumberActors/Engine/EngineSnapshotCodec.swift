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

    static func decodeMeta(_ bytes: UnsafeRawBufferPointer) throws -> Meta {
        var reader = DomainReader(unsafeBytes: bytes)
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

    static func decodeDedupe(_ bytes: UnsafeRawBufferPointer) throws -> [DedupeWindow.Entry] {
        var reader = DomainReader(unsafeBytes: bytes)
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

    static func decodeParked(_ bytes: UnsafeRawBufferPointer) throws -> ParkedEvent {
        var reader = DomainReader(unsafeBytes: bytes)
        try checkVersion(&reader)
        let parked = ParkedEvent(id: try reader.uvarint(), time: try reader.svarint(), event: try reader.readIncoming())
        try reader.finish()
        return parked
    }

    static func encode(_ entry: NumberEntry) -> [UInt8] {
        var writer = DomainWriter(capacity: 1_536)
        encode(entry, into: &writer)
        return writer.bytes
    }

    private static func encode(_ entry: NumberEntry, into writer: inout DomainWriter) {
        writer.u8(version)
        writer.writeKeys(entry.keys)
        writer.write(entry.state)
    }

    /// Numbers as one snapshot chunk, compressed here (on the calling thread), stamped with the sequence each
    /// one reflects. `entries` yields them in the order they are written.
    static func sealedChunk<Entries: Sequence>(_ entries: Entries) -> SnapshotChunk where Entries.Element == NumberEntry {
        var chunk = SnapshotChunk(capacity: 1 << 20)
        var writer = DomainWriter(capacity: 4_096)
        for entry in entries {
            writer.removeAll()
            encode(entry, into: &writer)
            // A number's entity is far below the entity limit, the only way an append fails.
            writer.withBytes { bytes in
                try! chunk.append(kind: Kind.number.rawValue, sequence: entry.state.appliedSequence, payload: bytes)
            }
        }
        chunk.seal()
        return chunk
    }

    static func decodeNumber(_ bytes: UnsafeRawBufferPointer) throws -> NumberEntry {
        var reader = DomainReader(unsafeBytes: bytes)
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
