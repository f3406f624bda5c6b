import NumberActors
import Synchronization

/// An effect the workers know about, with what this process has learnt while trying it.
struct TrackedEffect: Sendable, Equatable {
    enum Phase: Sendable, Equatable {
        /// Waiting for a worker.
        case queued
        /// An attempt is running.
        case running
        /// Failed retryably; queued again at `nextAttemptAt`.
        case waiting
    }

    var effect: Effect
    var phase: Phase = .queued
    /// Retryable failures so far, in this process.
    var failures = 0
    var lastError: String?
    /// Unix nanoseconds of the next attempt, while `waiting`.
    var nextAttemptAt: Int64?
}

/// The bounded queue between the engine and the workers. It is a cache of the outboxes, which stay the truth:
/// when it is full an effect is not taken (`offer` says so) and stays pending in its number's outbox, and the
/// workers rescan the outboxes once the queue has room again.
///
/// At most one attempt per number runs at a time, and a number's effects are handed out in the order they
/// were offered; an effect waiting for its retry does not hold its number up.
final class EffectQueue: Sendable {
    struct State {
        var tracked: [EffectID: TrackedEffect] = [:]
        var ready: [EffectID] = []
        var head = 0
        var busyNumbers: Set<String> = []
        /// Ready effects whose number was busy when their turn came, per number, in order.
        var heldBack: [String: [EffectID]] = [:]
        var waiters: [UnsafeContinuation<TrackedEffect?, Never>] = []
        var overflowed = false
        var stopped = false
    }

    enum Offer: Equatable {
        case queued, known, full, stopped
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        precondition(capacity > 0, "the effect queue needs room for at least one effect")
        self.capacity = capacity
    }

    /// Takes an effect unless it is already known, the queue is full or stopped. Never blocks.
    @discardableResult
    func offer(_ effect: Effect) -> Offer {
        let (result, handed) = state.withLock { state -> (Offer, [(UnsafeContinuation<TrackedEffect?, Never>, TrackedEffect)]) in
            if state.stopped { return (.stopped, []) }
            if state.tracked[effect.id] != nil { return (.known, []) }
            if state.tracked.count >= capacity {
                state.overflowed = true
                return (.full, [])
            }
            state.tracked[effect.id] = TrackedEffect(effect: effect)
            state.ready.append(effect.id)
            return (.queued, Self.handOut(&state))
        }
        for (waiter, item) in handed { waiter.resume(returning: item) }
        return result
    }

    /// The next effect to attempt (now `running`, its number busy), or nil once stopped.
    func next() async -> TrackedEffect? {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<TrackedEffect?, Never>) in
            let immediate: TrackedEffect?? = state.withLock { state in
                if state.stopped { return .some(nil) }
                if let item = Self.popRunnable(&state) { return .some(item) }
                state.waiters.append(continuation)
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// The attempt is over and the effect settled, skipped or dropped: forget it and free its number.
    func finish(_ id: EffectID) {
        release(id) { state in state.tracked[id] = nil }
    }

    /// The attempt failed retryably: keep the effect, waiting until `wake`, and free its number.
    func waitForRetry(_ id: EffectID, failures: Int, error: String, at time: Int64) {
        release(id) { state in
            state.tracked[id]?.phase = .waiting
            state.tracked[id]?.failures = failures
            state.tracked[id]?.lastError = error
            state.tracked[id]?.nextAttemptAt = time
        }
    }

    /// A waiting effect's retry time has come: queue it again.
    func wake(_ id: EffectID) {
        let handed = state.withLock { state -> [(UnsafeContinuation<TrackedEffect?, Never>, TrackedEffect)] in
            guard !state.stopped, state.tracked[id]?.phase == .waiting else { return [] }
            state.tracked[id]?.phase = .queued
            state.tracked[id]?.nextAttemptAt = nil
            state.ready.append(id)
            return Self.handOut(&state)
        }
        for (waiter, item) in handed { waiter.resume(returning: item) }
    }

    /// Forgets how many attempts an effect had (an operator retried it); true when it was known.
    func resetAttempts(_ id: EffectID) {
        state.withLock { state in
            state.tracked[id]?.failures = 0
            state.tracked[id]?.lastError = nil
        }
    }

    /// Stops handing out effects: waiting workers get nil, running attempts finish.
    func stop() {
        let waiters = state.withLock { state -> [UnsafeContinuation<TrackedEffect?, Never>] in
            state.stopped = true
            let waiters = state.waiters
            state.waiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// True once, after an offer was refused for lack of room, when the queue has drained to half: time to
    /// rescan the outboxes for what was left out.
    func takeRescanNeeded() -> Bool {
        state.withLock { state in
            guard state.overflowed, !state.stopped, state.tracked.count <= capacity / 2 else { return false }
            state.overflowed = false
            return true
        }
    }

    var tracked: [EffectID: TrackedEffect] { state.withLock { $0.tracked } }
    var count: Int { state.withLock { $0.tracked.count } }

    // MARK: Internals (under the lock)

    private func release(_ id: EffectID, _ change: (inout State) -> Void) {
        let handed = state.withLock { state -> [(UnsafeContinuation<TrackedEffect?, Never>, TrackedEffect)] in
            let wasRunning = state.tracked[id]?.phase == .running
            change(&state)
            guard wasRunning else { return [] }
            let number = id.numberID
            state.busyNumbers.remove(number)
            if let held = state.heldBack.removeValue(forKey: number) {
                // They were ready before anything queued since: back to the front, in order.
                state.ready.replaceSubrange(state.head..<state.head, with: held)
            }
            return Self.handOut(&state)
        }
        for (waiter, item) in handed { waiter.resume(returning: item) }
    }

    private static func handOut(_ state: inout State) -> [(UnsafeContinuation<TrackedEffect?, Never>, TrackedEffect)] {
        var handed: [(UnsafeContinuation<TrackedEffect?, Never>, TrackedEffect)] = []
        while !state.waiters.isEmpty, let item = popRunnable(&state) {
            handed.append((state.waiters.removeFirst(), item))
        }
        return handed
    }

    private static func popRunnable(_ state: inout State) -> TrackedEffect? {
        while state.head < state.ready.count {
            let id = state.ready[state.head]
            state.head += 1
            if state.head >= 1024 && state.head * 2 >= state.ready.count {
                state.ready.removeFirst(state.head)
                state.head = 0
            }
            guard var item = state.tracked[id], item.phase == .queued else { continue }
            if state.busyNumbers.contains(id.numberID) {
                state.heldBack[id.numberID, default: []].append(id)
                continue
            }
            state.busyNumbers.insert(id.numberID)
            item.phase = .running
            state.tracked[id] = item
            return item
        }
        state.ready.removeAll(keepingCapacity: true)
        state.head = 0
        return nil
    }
}
