import NumberActors
import Synchronization

/// Runs the effects waiting in the numbers' outboxes and journals their results.
///
/// Effects reach the bounded `EffectQueue` from the engine's observer (new effects, as they are applied) and
/// from a scan of every outbox when the workers start (what was pending before a restart) or after the
/// queue overflowed. `workers` tasks take effects from it; for each attempt a worker re-reads the number
/// (an effect no longer pending is skipped), waits for the provider's rate limit, runs the executor under a
/// timeout, then journals the result through `engine.ingest` (EffectSettlement). A retryable failure waits
/// for its backoff and is queued again; after the last attempt it fails for good.
///
/// Nothing here is durable: the outboxes in the journal's state are. Stopping lets running attempts finish
/// (or time out) and journal their results; whatever did not settle stays pending and runs again at the
/// next start (at least once; idempotency keys make the repeat harmless).
final class EffectWorkers: Sendable {
    struct Options: Sendable {
        var workers = 4
        var capacity = 10_000
        var retry = RetryPolicy()
        var attemptTimeout: Duration = .seconds(30)
        var rateLimits = RateLimiter.defaultLimits
        /// The jitter's seed; nil seeds from the system's random source.
        var jitterSeed: UInt64?

        init() {}
    }

    let options: Options
    let queue: EffectQueue
    let counters: EffectCounters
    private let executors: [String: any EffectExecutor]
    private let sleeper: any Sleeper
    private let limiter: RateLimiter
    private let random: Mutex<SeededRandom>
    private let publicURL: @Sendable () -> String
    private let logger: Logger
    private let run = Mutex(Run())

    private struct Run {
        var engine: NumberEngine?
        var tasks: [Task<Void, Never>] = []
        var timers: [EffectID: Task<Void, Never>] = [:]
        var scanning = false
        var stopped = false
    }

    init(executors: [String: any EffectExecutor], options: Options = Options(), sleeper: any Sleeper = SystemSleeper(),
         counters: EffectCounters = EffectCounters(), logger: Logger = .disabled,
         publicURL: @escaping @Sendable () -> String) {
        precondition(options.workers > 0, "at least one effect worker")
        self.executors = executors
        self.options = options
        self.sleeper = sleeper
        self.counters = counters
        self.logger = logger
        self.publicURL = publicURL
        queue = EffectQueue(capacity: options.capacity)
        limiter = RateLimiter(limits: options.rateLimits, now: sleeper.now())
        random = Mutex(SeededRandom(seed: options.jitterSeed ?? UInt64.random(in: 0...UInt64.max)))
    }

    /// Effect kinds (`EffectAction.kindName`) that have an executor.
    var executedKinds: Set<String> { Set(executors.keys) }

    /// For the engine's options: new effects go to the queue (one short lock each; never blocks the actor).
    var observer: EngineObserver {
        EngineObserver { [self] _, effects in
            if !effects.isEmpty { enqueue(effects) }
        }
    }

    func enqueue(_ effects: [Effect]) {
        for effect in effects where executors[effect.action.kindName] != nil { queue.offer(effect) }
    }

    // MARK: Start and stop

    /// Starts the workers and the scan of every outbox (after recovery). Returns at once.
    func start(engine: NumberEngine) {
        let started = run.withLock { run -> Bool in
            guard run.engine == nil, !run.stopped else { return false }
            run.engine = engine
            return true
        }
        guard started else { return }
        var tasks: [Task<Void, Never>] = []
        for _ in 0..<options.workers {
            tasks.append(Task { [self] in await work(engine) })
        }
        run.withLock { $0.tasks += tasks }
        startScan(engine)
    }

    /// Stops taking effects, lets running attempts finish or time out, and waits for them.
    func stop() async {
        let (tasks, timers) = run.withLock { run in
            run.stopped = true
            let taken = (run.tasks, Array(run.timers.values))
            run.tasks = []
            run.timers = [:]
            return taken
        }
        queue.stop()
        for timer in timers { timer.cancel() }
        for task in tasks { await task.value }
    }

    /// Queues every pending outbox entry that has an executor (known ones are not queued twice).
    func scan(_ engine: NumberEngine) async {
        var pending: [Effect] = []
        await engine.forEachNumber { state in
            for entry in state.outbox where entry.status == .pending && executors[entry.effect.action.kindName] != nil {
                pending.append(entry.effect)
            }
        }
        var offered = 0
        for effect in pending {
            if run.withLock({ $0.stopped }) { return }
            if queue.offer(effect) == .full { break }
            offered += 1
        }
        if offered > 0 { logger.info("outbox: queued pending effects", [("effects", .int(Int64(offered)))]) }
    }

    private func startScan(_ engine: NumberEngine) {
        let begin = run.withLock { run -> Bool in
            guard !run.scanning, !run.stopped else { return false }
            run.scanning = true
            return true
        }
        guard begin else { return }
        let task = Task { [self] in
            await scan(engine)
            run.withLock { $0.scanning = false }
        }
        run.withLock { $0.tasks.append(task) }
    }

    // MARK: Operator actions

    /// An operator retried a failed effect (its `effect_retried` is journaled): run it again from attempt one.
    func retried(_ effect: Effect) {
        queue.resetAttempts(effect.id)
        enqueue([effect])
    }

    // MARK: Attempts

    private func work(_ engine: NumberEngine) async {
        while let item = await queue.next() {
            await attempt(item, engine: engine)
            if queue.takeRescanNeeded() { startScan(engine) }
        }
    }

    private func attempt(_ item: TrackedEffect, engine: NumberEngine) async {
        let effect = item.effect
        let kind = effect.action.kindName
        guard let executor = executors[kind], let entry = await engine.number(effect.id.numberID),
              entry.state.outbox.contains(where: { $0.effect.id == effect.id && $0.status == .pending }) else {
            // Settled meanwhile (completed, failed, or never in this outbox): nothing to do.
            queue.finish(effect.id)
            counters.record(kind: kind, outcome: .skipped)
            return
        }
        let wait = limiter.reserve(executor.requests(for: effect), now: sleeper.now())
        if wait > .zero { try? await sleeper.sleep(for: wait) }
        let context = EffectContext(number: entry.state, idempotencyKey: effect.id.text, publicURL: publicURL(),
                                    attempt: item.failures + 1, now: sleeper.now() / 1_000_000_000)
        let result = await AttemptTimeout.run(options.attemptTimeout) {
            await executor.execute(effect, context: context)
        }
        let now = context.now
        switch result {
        case .completed(let details, let followUps):
            await settle(effect, EffectSettlement.completed(effect, details: details, followUps: followUps, now: now),
                         engine: engine, outcome: .completed)
        case .failed(let reason, let followUps):
            await settle(effect, EffectSettlement.failed(effect, reason: reason, followUps: followUps,
                                                         version: entry.state.version, now: now),
                         engine: engine, outcome: .failed)
        case .retry(let reason, let after):
            let failures = item.failures + 1
            guard options.retry.allowsAnotherAttempt(afterFailures: failures) else {
                let final = "gave up after \(failures) attempts: \(reason)"
                let events = EffectSettlement.failed(effect, reason: final, followUps: executor.givingUp(effect, reason: final),
                                                     version: entry.state.version, now: now)
                await settle(effect, events, engine: engine, outcome: .failed)
                return
            }
            let delay = random.withLock { options.retry.delay(afterFailures: failures, retryAfter: after, random: &$0) }
            counters.record(kind: kind, outcome: .retried)
            logger.info("outbox: attempt failed, will retry", [("effect", .string(effect.id.text)), ("kind", .string(kind)),
                                                               ("attempt", .int(Int64(failures))), ("reason", .string(reason)),
                                                               ("delay_ms", .int(RetryPolicy.nanos(delay) / 1_000_000))])
            queue.waitForRetry(effect.id, failures: failures, error: reason, at: sleeper.now() + RetryPolicy.nanos(delay))
            scheduleWake(effect.id, after: delay)
        }
    }

    private func settle(_ effect: Effect, _ events: [IncomingEvent], engine: NumberEngine, outcome: EffectCounters.Outcome) async {
        defer { queue.finish(effect.id) }
        do {
            _ = try await engine.ingest(events)
            counters.record(kind: effect.action.kindName, outcome: outcome)
            if outcome == .failed {
                logger.warn("outbox: effect failed for good", [("effect", .string(effect.id.text)),
                                                                ("kind", .string(effect.action.kindName))])
            }
        } catch {
            // The engine refuses (closing, journal failed): the effect stays pending and runs at the next start.
            logger.error("outbox: result not journaled", [("effect", .string(effect.id.text)), ("error", .string("\(error)"))])
        }
    }

    private func scheduleWake(_ id: EffectID, after delay: Duration) {
        let sleeper = self.sleeper
        let queue = self.queue
        run.withLock { run in
            guard !run.stopped else { return }
            run.timers[id] = Task { [weak self] in
                do { try await sleeper.sleep(for: delay) } catch { return }
                self?.run.withLock { _ = $0.timers.removeValue(forKey: id) }
                queue.wake(id)
            }
        }
    }
}
