import Dispatch
import Snapshot

extension NumberEngine {
    /// Opens a data directory: takes its lock, recovers the journal, loads the newest snapshot that
    /// verifies (falling back to the older one), replays the journal tail into plain state, and only
    /// then creates the actors. Replay performs no effects: emitted effects stay in the outboxes.
    public static func open(_ data: DataDirectory, options: EngineOptions = EngineOptions()) throws -> NumberEngine {
        let lock = try data.lock()
        do {
            return try open(data, lock: lock, options: options)
        } catch {
            lock.release()
            throw error
        }
    }

    /// The same, with the directory's lock already taken by the caller (a server takes it before it
    /// listens, then recovers while answering 503). On failure the caller still holds the lock.
    public static func open(_ data: DataDirectory, lock: DataDirectory.Lock, options: EngineOptions = EngineOptions()) throws -> NumberEngine {
        let started = FileSystem.nowNanoseconds()
        let journal = try Journal(directory: data.journalPath, options: options.journal)
        do {
            let store = SnapshotStore(directory: data.snapshotsPath, io: options.journal.io)
            try store.removeTemporaries()
            let (state, loaded, replayed, phases) = try recoverState(data, store: store, limits: options.limits)
            guard state.globalSequence <= journal.lastSequence || journal.lastSequence == 0 && state.globalSequence == 0 else {
                throw StorageError.corrupt(file: data.journalPath, offset: 0,
                                           reason: "snapshot covers sequence \(state.globalSequence) but the journal ends at \(journal.lastSequence)")
            }
            var summary = RecoverySummary(snapshotSequence: loaded.loaded?.sequence, rejectedSnapshots: loaded.rejected.map { "\($0.path): \($0.reason)" },
                                          recordsReplayed: replayed, lastSequence: journal.lastSequence,
                                          numbersByState: state.countsByState, numbers: state.numbers.count, parked: state.parked.count,
                                          millis: Double(FileSystem.nowNanoseconds() - started) / 1e6, journal: journal.recoveryReport)
            summary.snapshotMillis = phases.snapshot
            summary.replayMillis = phases.replay
            return NumberEngine(data: data, lock: lock, journal: journal, store: store, state: state, options: options, recovery: summary)
        } catch {
            journal.close()
            throw error
        }
    }

    /// Snapshot + journal tail → plain state. Also used by tests to compare a recovery with a live run.
    public static func recoverState(_ data: DataDirectory, limits: EngineLimits = EngineLimits()) throws -> EngineState {
        try recoverState(data, store: SnapshotStore(directory: data.snapshotsPath), limits: limits).0
    }

    static func recoverState(_ data: DataDirectory, store: SnapshotStore, limits: EngineLimits) throws
        -> (EngineState, SnapshotStore.LoadOutcome, Int, (snapshot: Double, replay: Double)) {
        try HeapGrowth.duringRecovery { try replayState(data, store: store, limits: limits) }
    }

    private static func replayState(_ data: DataDirectory, store: SnapshotStore, limits: EngineLimits) throws
        -> (EngineState, SnapshotStore.LoadOutcome, Int, (snapshot: Double, replay: Double)) {
        let started = FileSystem.nowNanoseconds()
        var state = EngineState(limits: limits)
        var covered: UInt64 = 0
        var attempt: RecoveryLanes?
        defer { attempt?.abandon() }
        let loaded = try store.loadNewest { reader in
            attempt?.abandon()
            state = EngineState(limits: limits)
            attempt = RecoveryLanes(limits: limits)
            covered = try state.load(reader, lanes: attempt!).coveredSequence
        }
        if loaded.loaded == nil {
            attempt?.abandon()
            state = EngineState(limits: limits)
            attempt = RecoveryLanes(limits: limits)
            covered = 0
        }
        let lanes = attempt!
        let loadedAt = FileSystem.nowNanoseconds()
        var replayed = 0
        var expected = covered + 1
        var batch = ReplayBatch()
        defer { batch.abandon() }
        let walk = try JournalDirectory.read(data.journalPath, from: covered + 1) { view in
            guard view.sequence == expected else {
                throw StorageError.corrupt(file: data.journalPath, offset: view.offset,
                                           reason: "journal resumes at sequence \(view.sequence), snapshot needs \(expected)")
            }
            batch.add(.init(sequence: view.sequence, kind: view.kind, time: view.time, offset: view.offset), payload: view.payload)
            if batch.items.count >= ReplayBatch.size { try batch.apply(to: &state, lanes: lanes, journal: data.journalPath) }
            expected += 1
            replayed += 1
        }
        try batch.finish(&state, lanes: lanes, journal: data.journalPath)
        lanes.finish(into: &state)
        if let problem = walk.problem {
            throw StorageError.corrupt(file: problem.file, offset: problem.offset, reason: problem.reason)
        }
        let phases = (snapshot: Double(loadedAt - started) / 1e6, replay: Double(FileSystem.nowNanoseconds() - loadedAt) / 1e6)
        return (state, loaded, replayed, phases)
    }

    /// Journal records read but not applied yet: decoded in the background on all cores (decoding is most of
    /// the cost of a record) while the next batch is read, then applied one by one in sequence order.
    struct ReplayBatch {
        static let size = 8_192

        struct Item: Sendable {
            var sequence: UInt64
            var kind: UInt16
            var time: Int64
            var offset: Int
        }

        typealias Decoding = ParallelBatch<Int, Result<EngineRecord, Error>>

        private(set) var items: [Item] = []
        private var payloads = PayloadBatch()
        private var decoding: (items: [Item], batch: Decoding)?

        mutating func add(_ item: Item, payload: UnsafeRawBufferPointer) {
            if items.isEmpty {
                items.reserveCapacity(Self.size)
                payloads = PayloadBatch(expectedCount: Self.size, expectedBytes: Self.size * 256)
            }
            items.append(item)
            payloads.append(payload)
        }

        /// Starts decoding the records read so far, and applies the batch decoded before them.
        mutating func apply(to state: inout EngineState, lanes: RecoveryLanes, journal: String) throws {
            let previous = decoding
            if items.isEmpty {
                decoding = nil
            } else {
                let items = self.items
                let payloads = self.payloads
                decoding = (items, Decoding(Array(0..<items.count)) { index in
                    payloads.withPayload(index) { bytes in Result { try EngineRecord.decode(kind: items[index].kind, bytes) } }
                })
            }
            items = []
            payloads = PayloadBatch()
            if let previous { try Self.apply(previous, to: &state, lanes: lanes, journal: journal) }
        }

        /// Applies everything still pending.
        mutating func finish(_ state: inout EngineState, lanes: RecoveryLanes, journal: String) throws {
            try apply(to: &state, lanes: lanes, journal: journal)
            try apply(to: &state, lanes: lanes, journal: journal)
        }

        /// Waits for work still running in the background (after an error).
        func abandon() { _ = decoding?.batch.wait() }

        /// Applies a decoded batch to the numbers and the parked list here, and hands the dedupe window's and the
        /// router's share to their lanes.
        private static func apply(_ decoded: (items: [Item], batch: Decoding), to state: inout EngineState, lanes: RecoveryLanes,
                                  journal: String) throws {
            var work = RecoveryLanes.Work()
            defer { lanes.submit(work) }
            for (item, record) in zip(decoded.items, decoded.batch.wait()) {
                switch record {
                case .success(let record):
                    state.apply(record, sequence: item.sequence, timeNanos: item.time, handing: &work)
                case .failure(let error):
                    throw StorageError.corrupt(file: journal, offset: item.offset,
                                               reason: "record \(item.sequence) does not decode: \(error)")
                }
            }
        }
    }

    // MARK: Snapshots

    /// Takes a snapshot now (one at a time), without stopping ingestion: the engine's global state is
    /// copied in one short critical section, then each number is captured from its actor and stamped
    /// with the last sequence it reflects. Publishes only once everything it reflects is durable, then
    /// keeps the newest two and releases journal segments the older one covers.
    public func snapshot() async throws -> SnapshotResult {
        let acquired = snapshotRunning.withLock { running -> Bool in
            if running { return false }
            running = true
            return true
        }
        guard acquired else { throw EngineError.unavailable("a snapshot is already being taken") }
        defer { snapshotRunning.withLock { $0 = false } }
        let started = FileSystem.nowNanoseconds()
        var held: Int64 = 0
        let cut = live.withLock { live in
            let locked = FileSystem.nowNanoseconds()
            defer { held = FileSystem.nowNanoseconds() - locked }
            return (covered: live.dispatched, global: live.lastEnqueued, dedupe: live.dedupe.entries,
                    evicted: live.dedupe.evictedEarly, parked: live.parked.all, actors: live.actorList, dormant: live.dormant)
        }
        let writer = try store.writer(sequence: cut.covered)
        do {
            let meta = EngineSnapshotCodec.Meta(coveredSequence: cut.covered, globalSequence: cut.global, evictedEarly: cut.evicted,
                                                numbers: UInt64(cut.actors.count + cut.dormant.count), parked: UInt64(cut.parked.count), dedupe: UInt64(cut.dedupe.count))
            try writer.append(kind: EngineSnapshotCodec.Kind.meta.rawValue, sequence: cut.global, payload: EngineSnapshotCodec.encode(meta))
            try Self.encodeDedupe(cut.dedupe, sequence: cut.global) { try writer.append($0) }
            for parked in cut.parked {
                try writer.append(kind: EngineSnapshotCodec.Kind.parked.rawValue, sequence: cut.global, payload: EngineSnapshotCodec.encode(parked))
            }
            try await Self.captureNumbers(cut.actors) { try writer.append($0) }
            // Dormant numbers received nothing since recovery: their values are complete as they are.
            try Self.encodeNumbers(Array(cut.dormant.values)) { try writer.append($0) }
            // The global part reflects records up to `global`: publish only once they are durable.
            try await waitDurable(cut.global)
            let published = try writer.publish()
            try store.prune()
            var released: [String] = []
            if let retained = try store.retentionSequence() {
                released = try journal.releaseSegments(coveredThrough: retained)
            }
            let result = SnapshotResult(sequence: cut.covered, bytes: published.bytes, entities: published.entityCount,
                                        millis: Double(FileSystem.nowNanoseconds() - started) / 1e6, path: published.path,
                                        releasedSegments: released, pauseMillis: Double(held) / 1e6)
            snapshotStatus.withLock { status in
                status.last = result
                status.lastError = nil
            }
            return result
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Captures, encodes and compresses numbers in parallel chunks (bounded: a window of chunks at a time),
    /// handing the chunks to `write` in the actors' order. The next window is captured while the current one
    /// is written, so the writer only hashes and writes.
    static func captureNumbers(_ actors: [NumberActor], write: (SnapshotChunk) throws -> Void) async throws {
        let window = 8 * snapshotChunkNumbers
        var start = 0
        var pending: Task<[SnapshotChunk], Never>?
        while start < actors.count || pending != nil {
            let end = min(actors.count, start + window)
            let current = pending
            let slice = actors[start..<end]
            pending = slice.isEmpty ? nil : Task { await captureWindow(slice) }
            start = end
            if let current {
                for chunk in await current.value { try write(chunk) }
            }
        }
    }

    /// Numbers per snapshot chunk: about 1 MiB of entities.
    static let snapshotChunkNumbers = 2048

    /// One window of actors captured and encoded in parallel chunks, in order.
    private static func captureWindow(_ actors: ArraySlice<NumberActor>) async -> [SnapshotChunk] {
        let chunk = snapshotChunkNumbers
        return await withTaskGroup(of: (Int, SnapshotChunk).self) { group in
            for first in stride(from: actors.startIndex, to: actors.endIndex, by: chunk) {
                let slice = actors[first..<min(actors.endIndex, first + chunk)]
                group.addTask {
                    var entries: [NumberEntry] = []
                    entries.reserveCapacity(slice.count)
                    for actor in slice { entries.append(await actor.current()) }
                    return (first, EngineSnapshotCodec.sealedChunk(entries))
                }
            }
            var parts: [(Int, SnapshotChunk)] = []
            for await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Encodes and compresses plain entries on all cores, handing the chunks to `write` in order.
    static func encodeNumbers(_ entries: [NumberEntry], write: (SnapshotChunk) throws -> Void) throws {
        let ranges = stride(from: 0, to: entries.count, by: snapshotChunkNumbers).map {
            $0..<min(entries.count, $0 + snapshotChunkNumbers)
        }
        try inParallelWindows(ranges, write: write) { EngineSnapshotCodec.sealedChunk(entries[$0]) }
    }

    /// Encodes and compresses the dedupe window's entries on all cores (`dedupeChunk` entries an entity, one
    /// entity a chunk), handing the chunks to `write` in order.
    static func encodeDedupe(_ entries: DedupeWindow.Entries, sequence: UInt64, write: (SnapshotChunk) throws -> Void) throws {
        let ranges = stride(from: 0, to: entries.count, by: EngineSnapshotCodec.dedupeChunk).map {
            $0..<min(entries.count, $0 + EngineSnapshotCodec.dedupeChunk)
        }
        try inParallelWindows(ranges, write: write) { range in
            var chunk = SnapshotChunk()
            // A dedupe entity (25 bytes an entry at most) is far below the entity limit.
            try! chunk.append(kind: EngineSnapshotCodec.Kind.dedupe.rawValue, sequence: sequence, payload: EngineSnapshotCodec.encode(entries.slice(range)[...]))
            chunk.seal()
            return chunk
        }
    }

    /// Runs `makeChunk` over `inputs` on all cores, eight at a time (the next eight while the current ones are
    /// written: memory stays bounded), handing the chunks to `write` in input order.
    static func inParallelWindows<Input: Sendable>(_ inputs: [Input], write: (SnapshotChunk) throws -> Void,
                                                   _ makeChunk: @escaping @Sendable (Input) -> SnapshotChunk) throws {
        let window = 8
        var pending: ParallelBatch<Input, SnapshotChunk>?
        defer { _ = pending?.wait() }
        var start = 0
        while start < inputs.count || pending != nil {
            let end = min(inputs.count, start + window)
            let current = pending
            pending = start < end ? ParallelBatch(Array(inputs[start..<end]), chunk: 1, makeChunk) : nil
            start = end
            if let current {
                for chunk in current.wait() { try write(chunk) }
            }
        }
    }

    /// Waits until every record up to `sequence` is durable and dispatched.
    func waitDurable(_ sequence: UInt64) async throws {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, Error>) in
            let resumeNow: Result<Void, EngineError>? = live.withLock { live in
                if let failure = live.failure { return .failure(.unavailable(failure)) }
                if sequence <= live.dispatched { return .success(()) }
                live.waiters.append(Waiter(sequence: sequence) { result in continuation.resume(with: result.mapError { $0 as Error }) })
                return nil
            }
            if let resumeNow { continuation.resume(with: resumeNow.mapError { $0 as Error }) }
        }
    }

    func startBackgroundSnapshot() {
        Task.detached { [self] in
            do {
                _ = try await snapshot()
            } catch EngineError.unavailable(let reason) where reason.hasPrefix("a snapshot is already") {
                // One is running; the next threshold starts another.
            } catch {
                snapshotStatus.withLock { $0.lastError = "\(error)" }
            }
        }
    }
}
