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
            let (state, loaded, replayed) = try recoverState(data, store: store, limits: options.limits)
            guard state.globalSequence <= journal.lastSequence || journal.lastSequence == 0 && state.globalSequence == 0 else {
                throw StorageError.corrupt(file: data.journalPath, offset: 0,
                                           reason: "snapshot covers sequence \(state.globalSequence) but the journal ends at \(journal.lastSequence)")
            }
            let summary = RecoverySummary(snapshotSequence: loaded.loaded?.sequence, rejectedSnapshots: loaded.rejected.map { "\($0.path): \($0.reason)" },
                                          recordsReplayed: replayed, lastSequence: journal.lastSequence,
                                          numbersByState: state.countsByState, numbers: state.numbers.count, parked: state.parked.count,
                                          millis: Double(FileSystem.nowNanoseconds() - started) / 1e6, journal: journal.recoveryReport)
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
        -> (EngineState, SnapshotStore.LoadOutcome, Int) {
        var state = EngineState(limits: limits)
        var covered: UInt64 = 0
        let loaded = try store.loadNewest { reader in
            state = EngineState(limits: limits)
            covered = try state.load(reader).coveredSequence
        }
        if loaded.loaded == nil {
            state = EngineState(limits: limits)
            covered = 0
        }
        var replayed = 0
        var expected = covered + 1
        var failure: Error?
        let walk = try JournalDirectory.read(data.journalPath, from: covered + 1) { view in
            guard view.sequence == expected else {
                failure = StorageError.corrupt(file: data.journalPath, offset: view.offset,
                                               reason: "journal resumes at sequence \(view.sequence), snapshot needs \(expected)")
                throw failure!
            }
            do {
                let record = try EngineRecord.decode(kind: view.kind, Array(view.payload))
                state.apply(record, sequence: view.sequence, timeNanos: view.time)
            } catch {
                throw StorageError.corrupt(file: data.journalPath, offset: view.offset,
                                           reason: "record \(view.sequence) does not decode: \(error)")
            }
            expected += 1
            replayed += 1
        }
        if let problem = walk.problem {
            throw StorageError.corrupt(file: problem.file, offset: problem.offset, reason: problem.reason)
        }
        return (state, loaded, replayed)
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
        let cut = live.withLock { live in
            (covered: live.dispatched, global: live.lastEnqueued, dedupe: Array(live.dedupe.orderedEntries),
             evicted: live.dedupe.evictedEarly, parked: live.parked.all, actors: live.actorList)
        }
        let writer = try store.writer(sequence: cut.covered)
        do {
            let meta = EngineSnapshotCodec.Meta(coveredSequence: cut.covered, globalSequence: cut.global, evictedEarly: cut.evicted,
                                                numbers: UInt64(cut.actors.count), parked: UInt64(cut.parked.count), dedupe: UInt64(cut.dedupe.count))
            try writer.append(kind: EngineSnapshotCodec.Kind.meta.rawValue, sequence: cut.global, payload: EngineSnapshotCodec.encode(meta))
            var offset = 0
            while offset < cut.dedupe.count {
                let end = min(cut.dedupe.count, offset + EngineSnapshotCodec.dedupeChunk)
                try writer.append(kind: EngineSnapshotCodec.Kind.dedupe.rawValue, sequence: cut.global,
                                  payload: EngineSnapshotCodec.encode(cut.dedupe[offset..<end]))
                offset = end
            }
            for parked in cut.parked {
                try writer.append(kind: EngineSnapshotCodec.Kind.parked.rawValue, sequence: cut.global, payload: EngineSnapshotCodec.encode(parked))
            }
            try await Self.captureNumbers(cut.actors) { sequence, payload in
                try writer.append(kind: EngineSnapshotCodec.Kind.number.rawValue, sequence: sequence, payload: payload)
            }
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
                                        releasedSegments: released)
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

    /// Captures and encodes numbers in parallel chunks (bounded: a window of chunks at a time), handing
    /// them to `write` in the actors' order.
    static func captureNumbers(_ actors: [NumberActor], write: (UInt64, [UInt8]) throws -> Void) async throws {
        let chunk = 2048
        let window = 8 * chunk
        var start = 0
        while start < actors.count {
            let end = min(actors.count, start + window)
            let parts = await withTaskGroup(of: (Int, [(UInt64, [UInt8])]).self) { group in
                for first in stride(from: start, to: end, by: chunk) {
                    let slice = actors[first..<min(end, first + chunk)]
                    group.addTask {
                        var encoded: [(UInt64, [UInt8])] = []
                        encoded.reserveCapacity(slice.count)
                        for actor in slice {
                            let entry = await actor.current()
                            encoded.append((entry.state.appliedSequence, EngineSnapshotCodec.encode(entry)))
                        }
                        return (first, encoded)
                    }
                }
                var parts: [(Int, [(UInt64, [UInt8])])] = []
                for await part in group { parts.append(part) }
                return parts.sorted { $0.0 < $1.0 }
            }
            for (_, encoded) in parts {
                for (sequence, payload) in encoded { try write(sequence, payload) }
            }
            start = end
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
