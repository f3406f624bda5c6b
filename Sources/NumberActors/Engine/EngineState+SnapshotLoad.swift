import Snapshot

extension EngineState {
    static let decodeBatch = 8192

    typealias NumberBatch = ParallelBatch<[UInt8], Result<NumberEntry, DomainCodecError>>

    /// Starts decoding number entities in the background (on all cores) while the snapshot is read on.
    private static func startDecoding(_ pending: [[UInt8]]) -> NumberBatch {
        NumberBatch(pending) { payload in
            payload.withUnsafeBytes { bytes in
                do {
                    return .success(try EngineSnapshotCodec.decodeNumber(bytes))
                } catch let error as DomainCodecError {
                    return .failure(error)
                } catch {
                    return .failure(.invalidValue("\(error)", offset: 0))
                }
            }
        }
    }

    /// Inserts a decoded batch into the numbers table, in order, and hands its keys to the router's lane;
    /// the first entity that did not decode throws.
    private mutating func insert(_ batch: NumberBatch?, router: RouterLane) throws {
        guard let batch else { return }
        var entries: [NumberEntry] = []
        entries.reserveCapacity(batch.inputs.count)
        for result in batch.wait() {
            let entry = try result.get()
            numbers[entry.state.id] = entry
            entries.append(entry)
        }
        router.add(entries)
    }

    /// Loads a snapshot into this (empty) state; returns its meta. Any damage throws, and the caller
    /// starts again from empty state with the next older snapshot.
    ///
    /// The router's indexes and the dedupe window are built on `lanes`, beside the numbers table, and stay
    /// there (to take the journal tail's keys in turn) until the caller moves them into the state. The
    /// writer puts the dedupe chunks and parked events before the numbers, so the window's build starts at
    /// the first number entity; a dedupe chunk after that starts it again with every entry read.
    mutating func load(_ reader: SnapshotReader, lanes: RecoveryLanes) throws -> EngineSnapshotCodec.Meta {
        var meta: EngineSnapshotCodec.Meta?
        var dedupeEntries: [DedupeWindow.Entry] = []
        var dedupeQueued = false
        var pendingNumbers: [[UInt8]] = []
        // One batch decodes in the background while the next one is read.
        var decoding: NumberBatch?
        defer { _ = decoding?.wait() }
        let capacity = dedupe.capacity
        try reader.readEntities { entity in
            let bytes = entity.payload
            do {
                switch EngineSnapshotCodec.Kind(rawValue: entity.kind) {
                case .meta:
                    let decoded = try EngineSnapshotCodec.decodeMeta(bytes)
                    meta = decoded
                    // The meta entity comes first: size the tables once (bounded, a corrupt count cannot balloon it).
                    let expected = Int(min(decoded.numbers, 50_000_000))
                    numbers.reserveCapacity(expected)
                    lanes.router.expect(numbers: expected)
                    dedupeEntries.reserveCapacity(Int(min(decoded.dedupe, UInt64(capacity))))
                case .dedupe:
                    dedupeEntries += try EngineSnapshotCodec.decodeDedupe(bytes)
                    if dedupeQueued, let meta { lanes.dedupe.build(dedupeEntries, evictedEarly: meta.evictedEarly) }
                case .parked: parked.park(try EngineSnapshotCodec.decodeParked(bytes))
                case .number:
                    if !dedupeQueued, let meta {
                        dedupeQueued = true
                        lanes.dedupe.build(dedupeEntries, evictedEarly: meta.evictedEarly)
                    }
                    pendingNumbers.append(Array(bytes))
                    if pendingNumbers.count >= Self.decodeBatch {
                        let previous = decoding
                        decoding = Self.startDecoding(pendingNumbers)
                        pendingNumbers.removeAll(keepingCapacity: true)
                        try insert(previous, router: lanes.router)
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
            try insert(previous, router: lanes.router)
            try insert(Self.startDecoding(pendingNumbers), router: lanes.router)
        } catch let error as DomainCodecError {
            throw StorageError.corrupt(file: reader.path, offset: 0, reason: "a number entity does not decode: \(error)")
        }
        guard let meta else { throw StorageError.corrupt(file: reader.path, offset: 0, reason: "snapshot has no meta entity") }
        guard meta.numbers == UInt64(numbers.count), meta.parked == UInt64(parked.count), meta.dedupe == UInt64(dedupeEntries.count) else {
            throw StorageError.corrupt(file: reader.path, offset: 0, reason: "entity counts disagree with the meta entity")
        }
        if !dedupeQueued { lanes.dedupe.build(dedupeEntries, evictedEarly: meta.evictedEarly) }
        globalSequence = meta.globalSequence
        return meta
    }
}
