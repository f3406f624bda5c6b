import Snapshot
import Synchronization

/// The engine: dedupe, routing, durable append, then apply — one actor per number.
///
/// Ingest decides everything that depends on global state (dedupe, route, parked list, index learning)
/// in one short critical section that also queues the journal records, so journal order is decision
/// order. The journal's completions run in sequence order on its writer thread and post each record
/// to its number's mailbox; callers are resumed only then, so an outcome means "durable".
public final class NumberEngine: Sendable {
    public let data: DataDirectory
    public let journal: Journal
    public let recovery: RecoverySummary
    let options: EngineOptions
    let store: SnapshotStore
    private let directoryLock: DataDirectory.Lock
    let live: Mutex<Live>
    let snapshotRunning = Mutex(false)
    let snapshotStatus = Mutex(SnapshotStatus())

    /// The last snapshot this process published, and the error of the last one that failed since.
    public struct SnapshotStatus: Sendable {
        public var last: SnapshotResult?
        public var lastError: String?
    }

    public var snapshots: SnapshotStatus { snapshotStatus.withLock { $0 } }

    struct Waiter {
        var sequence: UInt64
        var resume: @Sendable (Result<Void, EngineError>) -> Void
    }

    struct Live: ~Copyable {
        var router: RouterIndexes
        var parked: ParkedEvents
        var dedupe: DedupeWindow
        var inFlight: [DedupeKey: UInt64] = [:]
        var waiters: [Waiter] = []
        var actors: [String: NumberActor] = [:]
        var actorList: [NumberActor] = []
        /// Numbers recovered from disk that no event has reached since: plain values, no actor yet. An actor is
        /// created on a number's first event (creating a million actors up front costs seconds and memory).
        var dormant: [String: NumberEntry] = [:]
        /// Every record ≤ this has been posted to its number's mailbox.
        var dispatched: UInt64
        var lastEnqueued: UInt64
        var failure: String?
        var closed = false
        var sinceSnapshot: UInt64 = 0
    }

    init(data: DataDirectory, lock: DataDirectory.Lock, journal: Journal, store: SnapshotStore, state: EngineState,
         options: EngineOptions, recovery: RecoverySummary) {
        self.data = data
        directoryLock = lock
        self.journal = journal
        self.store = store
        self.options = options
        self.recovery = recovery
        var initial = Live(router: state.router, parked: state.parked, dedupe: state.dedupe, dormant: state.numbers,
                           dispatched: journal.lastSequence, lastEnqueued: journal.lastSequence)
        // Records replayed at start are records since the last snapshot too: a process that is restarted
        // (or killed) before writing `snapshotEvery` new ones must not replay an ever longer tail.
        initial.sinceSnapshot = UInt64(max(0, recovery.recordsReplayed))
        live = Mutex(initial)
    }

    // MARK: Ingest

    /// Ingests one event; returns once it (or, for a duplicate, its first delivery) is durable.
    public func ingest(_ event: IncomingEvent) async throws -> IngestOutcome {
        try await ingest([event])[0]
    }

    /// Ingests a batch (a CDR request) as one durable journal write; one outcome per event.
    public func ingest(_ events: [IncomingEvent]) async throws -> [IngestOutcome] {
        if events.isEmpty { return [] }
        return try await withUnsafeThrowingContinuation { continuation in
            do {
                try submit(events) { result in continuation.resume(with: result) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// The same without `async`: `completion` runs once the batch is durable (on the journal's writer thread,
    /// or at once for a refusal), for callers on threads of their own such as an HTTP event loop. It must be
    /// short and must not block.
    public func ingest(_ events: [IncomingEvent], completion: @escaping @Sendable (Result<[IngestOutcome], EngineError>) -> Void) {
        if events.isEmpty { return completion(.success([])) }
        do {
            try submit(events, completion: completion)
        } catch let error as EngineError {
            completion(.failure(error))
        } catch {
            completion(.failure(.unavailable("\(error)")))
        }
    }

    /// Gives a parked event to a number (journaled with the operator's name).
    public func assignParked(_ id: UInt64, to number: String, operatorName: String) async throws -> UInt64 {
        try await journalOperatorAction { live in
            guard let parked = live.parked.remove(id) else { throw EngineError.unknownParked(id) }
            let learned = live.router.learn(parked.event.keys, number: number)
            return [.assignParked(.init(parkedID: id, number: number, granted: learned.granted, operatorName: operatorName, event: parked.event))]
                + Self.redrive(&live, routable: learned.routable, number: number)
        }
    }

    /// Throws a parked event away (journaled with the operator's name).
    public func discardParked(_ id: UInt64, operatorName: String) async throws -> UInt64 {
        try await journalOperatorAction { live in
            guard live.parked.remove(id) != nil else { throw EngineError.unknownParked(id) }
            return [.discardParked(.init(parkedID: id, operatorName: operatorName))]
        }
    }

    private func journalOperatorAction(_ decide: @escaping (inout Live) throws -> [EngineRecord]) async throws -> UInt64 {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<UInt64, Error>) in
            do {
                try live.withLock { live in
                    try Self.checkOpen(live)
                    let records = try decide(&live)
                    let first = try enqueue(records, payloads: records.map { $0.encoded() }, timeNanos: FileSystem.nowNanoseconds(), live: &live)
                    live.waiters.append(Waiter(sequence: live.lastEnqueued) { result in
                        continuation.resume(with: result.map { first }.mapError { $0 as Error })
                    })
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    private static func checkOpen(_ live: borrowing Live) throws {
        if let failure = live.failure { throw EngineError.unavailable(failure) }
        if live.closed { throw EngineError.closed }
    }

    private func submit(_ events: [IncomingEvent], completion: @escaping @Sendable (Result<[IngestOutcome], EngineError>) -> Void) throws {
        // Outside the critical section: dedupe keys, and the events' bytes (also checked against the limit).
        let keys = events.map(\.dedupeKey)
        let encoded = events.map(EngineRecord.encodeIncoming)
        let limit = journal.options.maxRecordBytes
        for (event, bytes) in zip(events, encoded) {
            // The record adds a target id, the granted keys (a subset of the event's) and the dedupe key.
            let allowance = Self.recordHeaderAllowance + event.keys.reduce(0) { $0 + $1.value.utf8.count + 11 }
            if bytes.count + allowance > limit { throw EngineError.eventTooLarge(bytes: bytes.count, limit: limit) }
        }
        var startSnapshot = false
        try live.withLock { live in
            try Self.checkOpen(live)
            // Refuse the whole call up front if its new unroutable events would overflow the parked list.
            var fresh: Set<DedupeKey> = []
            var unroutable = 0
            for (event, key) in zip(events, keys) where !live.dedupe.contains(key) && fresh.insert(key).inserted {
                if event.numberID == nil && live.router.resolve(event.keys) == nil { unroutable += 1 }
            }
            if unroutable > 0 && live.parked.count + unroutable > live.parked.capacity {
                throw EngineError.unroutableFull(capacity: live.parked.capacity)
            }
            let now = FileSystem.nowNanoseconds()
            // Every journal append goes through this section, so the sequences the records will get are known.
            let base = live.lastEnqueued + 1
            var outcomes = [IngestOutcome](repeating: .duplicate, count: events.count)
            var records: [EngineRecord] = []
            var payloads: [[UInt8]] = []
            var waitFor: UInt64 = 0
            for (index, event) in events.enumerated() {
                let key = keys[index]
                if live.dedupe.contains(key) {
                    if let pending = live.inFlight[key] { waitFor = max(waitFor, pending) }
                    continue
                }
                live.dedupe.insert(key, time: now)
                let sequence = base + UInt64(records.count)
                live.inFlight[key] = sequence
                if let target = event.numberID ?? live.router.resolve(event.keys) {
                    let learned = live.router.learn(event.keys, number: target)
                    records.append(.event(.init(target: target, granted: learned.granted, dedupe: key, event: event)))
                    payloads.append(EngineRecord.encodeEvent(target: target, granted: learned.granted, dedupe: key, incoming: encoded[index]))
                    outcomes[index] = .accepted(number: target, sequence: sequence)
                    for record in Self.redrive(&live, routable: learned.routable, number: target) {
                        records.append(record)
                        payloads.append(record.encoded())
                    }
                } else {
                    records.append(.event(.init(target: nil, granted: [], dedupe: key, event: event)))
                    payloads.append(EngineRecord.encodeEvent(target: nil, granted: [], dedupe: key, incoming: encoded[index]))
                    outcomes[index] = .parked(id: sequence)
                    live.parked.park(ParkedEvent(id: sequence, time: now, event: event))
                }
            }
            if !records.isEmpty {
                let first = try enqueue(records, payloads: payloads, timeNanos: now, live: &live)
                precondition(first == base, "journal sequence \(first) where the engine expected \(base)")
                waitFor = max(waitFor, live.lastEnqueued)
                live.sinceSnapshot += UInt64(records.count)
                if options.snapshotEvery > 0 && live.sinceSnapshot >= options.snapshotEvery {
                    live.sinceSnapshot = 0
                    startSnapshot = true
                }
            }
            let result = outcomes
            if waitFor <= live.dispatched {
                completion(.success(result))
            } else {
                live.waiters.append(Waiter(sequence: waitFor) { outcome in completion(outcome.map { result }) })
            }
        }
        if startSnapshot { startBackgroundSnapshot() }
    }

    /// Room for what a record adds around the event besides the granted keys: version, target id
    /// (number ids are short), dedupe key.
    static let recordHeaderAllowance = 300

    /// Parked events unlocked by newly learned keys go to `number`, each as its own record
    /// (and what they teach may unlock more).
    private static func redrive(_ live: inout Live, routable: [RouteKey], number: String) -> [EngineRecord] {
        var records: [EngineRecord] = []
        var frontier = routable
        while !frontier.isEmpty {
            var next: [RouteKey] = []
            for id in live.parked.waiting(on: frontier) {
                guard let parked = live.parked.remove(id) else { continue }
                let learned = live.router.learn(parked.event.keys, number: number)
                records.append(.assignParked(.init(parkedID: id, number: number, granted: learned.granted, operatorName: nil, event: parked.event)))
                next += learned.routable
            }
            frontier = next
        }
        return records
    }

    /// Queues records on the journal (inside the critical section, so journal order is decision order).
    private func enqueue(_ records: [EngineRecord], payloads: [[UInt8]], timeNanos: Int64, live: inout Live) throws -> UInt64 {
        var entries: [JournalEntry] = []
        entries.reserveCapacity(records.count)
        for (record, payload) in zip(records, payloads) {
            entries.append(JournalEntry(kind: record.kind.rawValue, payload: payload, time: timeNanos))
        }
        let first: UInt64
        do {
            first = try journal.enqueue(entries) { [self] result in completed(result, records: records, timeNanos: timeNanos) }
        } catch {
            live.failure = "\(error)"
            throw EngineError.unavailable("\(error)")
        }
        live.lastEnqueued = first + UInt64(records.count) - 1
        return first
    }

    /// Drains these actors' mailboxes from at most two tasks (the machine's cores are few; more tasks only add
    /// wake-ups). Small batches use one.
    static func drain(_ actors: [NumberActor]) {
        if actors.isEmpty { return }
        let groups = actors.count < 16 ? 1 : 2
        for group in 0..<groups {
            let share = stride(from: group, to: actors.count, by: groups).map { actors[$0] }
            Task { for actor in share { await actor.drainMailbox() } }
        }
    }

    /// Runs on the journal writer thread, in sequence order, once `records` are durable (or failed).
    private func completed(_ result: Result<UInt64, StorageError>, records: [EngineRecord], timeNanos: Int64) {
        switch result {
        case .success(let first):
            var schedule: [NumberActor] = []
            let ready: [Waiter] = live.withLock { live in
                for (offset, record) in records.enumerated() {
                    let sequence = first + UInt64(offset)
                    if case .event(let event) = record, let key = event.dedupe, live.inFlight[key] == sequence {
                        live.inFlight[key] = nil
                    }
                    guard let (number, event, granted) = record.numberEvent else { continue }
                    let actor = live.actor(for: number, observer: options.observer)
                    if actor.postNeedsSchedule(.init(sequence: sequence, timeNanos: timeNanos, event: event, granted: granted)) {
                        schedule.append(actor)
                    }
                }
                live.dispatched = first + UInt64(records.count) - 1
                return live.takeWaiters(upTo: live.dispatched)
            }
            // A few tasks per batch, each visiting its share of the actors, rather than one task per event: a task
            // costs a wake-up of the concurrency pool, and order per number is the mailbox's, not the task's.
            Self.drain(schedule)
            for waiter in ready { waiter.resume(.success(())) }
        case .failure(let error):
            let all: [Waiter] = live.withLock { live in
                live.failure = live.failure ?? "\(error)"
                return live.takeWaiters(upTo: .max)
            }
            for waiter in all { waiter.resume(.failure(.unavailable("\(error)"))) }
        }
    }

    // MARK: Reads

    /// The number with every durable event applied, or nil if no event ever named it.
    public func number(_ id: String) async -> NumberEntry? {
        let found: (actor: NumberActor?, entry: NumberEntry?) = live.withLock { live in
            if let actor = live.actors[id] { return (actor, nil) }
            return (nil, live.dormant[id])
        }
        if let actor = found.actor { return await actor.current() }
        return found.entry
    }

    /// Every number id known, with or without an actor, unsorted.
    public var numberIDs: [String] {
        live.withLock { Array($0.actors.keys) + Array($0.dormant.keys) }
    }

    /// Visits every number's current state. Numbers no event reached since recovery are read as they are
    /// (no actor is created for them: a scan of a million recovered numbers stays a scan).
    public func forEachNumber(_ body: (NumberState) -> Void) async {
        let (actors, dormant) = live.withLock { ($0.actorList, Array($0.dormant.values)) }
        for entry in dormant { body(entry.state) }
        for actor in actors { body(await actor.current().state) }
    }

    /// Every number's actor (numbers no event reached since recovery get theirs now).
    public var actors: [NumberActor] {
        live.withLock { live in
            for id in Array(live.dormant.keys) { _ = live.actor(for: id, observer: options.observer) }
            return live.actorList
        }
    }

    public var parkedEvents: [ParkedEvent] { live.withLock { $0.parked.all } }

    /// The number the router's indexes give for `keys` (as an event carrying them would be routed), if any.
    public func numberID(routing keys: [RouteKey]) -> String? {
        live.withLock { $0.router.resolve(keys) }
    }

    /// Nil while healthy; why the engine stopped accepting events otherwise.
    public var failure: String? { live.withLock { $0.failure } }

    public var dedupeEvictedEarly: UInt64 { live.withLock { $0.dedupe.evictedEarly } }

    /// Stops accepting events, writes what is queued, and releases the data directory.
    public func close() {
        live.withLock { $0.closed = true }
        journal.close()
        directoryLock.release()
    }
}

extension NumberEngine.Live {
    mutating func actor(for number: String, observer: EngineObserver?) -> NumberActor {
        if let actor = actors[number] { return actor }
        let entry = dormant.removeValue(forKey: number) ?? NumberEntry(id: number)
        let actor = NumberActor(entry: entry, observer: observer)
        actors[number] = actor
        actorList.append(actor)
        return actor
    }

    mutating func takeWaiters(upTo sequence: UInt64) -> [NumberEngine.Waiter] {
        guard !waiters.isEmpty else { return [] }
        var ready: [NumberEngine.Waiter] = []
        waiters.removeAll { waiter in
            if waiter.sequence <= sequence {
                ready.append(waiter)
                return true
            }
            return false
        }
        return ready
    }
}
