import Synchronization

/// Runs one attempt with a deadline. A late attempt is cancelled and left to end on its own (an executor
/// blocked in a call that ignores cancellation cannot hold a worker); its result is then ignored, and the
/// effect's retry is harmless because every provider call carries the effect's idempotency key.
enum AttemptTimeout {
    static func run(_ timeout: Duration, _ body: @escaping @Sendable () async -> EffectAttempt) async -> EffectAttempt {
        let slot = ResultSlot()
        return await withUnsafeContinuation { continuation in
            slot.install(continuation)
            let work = Task {
                let result = await body()
                slot.deliver(result)
            }
            let timer = Task {
                do { try await Task.sleep(for: timeout) } catch { return }
                if slot.deliver(.retry(reason: "timed out after \(timeout)", after: nil)) { work.cancel() }
            }
            slot.onDelivered { timer.cancel() }
        }
    }

    /// Whoever delivers first resumes the caller; later deliveries are dropped.
    private final class ResultSlot: Sendable {
        private struct State {
            var continuation: UnsafeContinuation<EffectAttempt, Never>?
            var delivered = false
            var cleanup: (@Sendable () -> Void)?
        }

        private let state = Mutex(State())

        func install(_ continuation: UnsafeContinuation<EffectAttempt, Never>) {
            state.withLock { $0.continuation = continuation }
        }

        /// Runs `cleanup` once a result is in (at once if it already is).
        func onDelivered(_ cleanup: @escaping @Sendable () -> Void) {
            let runNow = state.withLock { state -> Bool in
                if state.delivered { return true }
                state.cleanup = cleanup
                return false
            }
            if runNow { cleanup() }
        }

        @discardableResult
        func deliver(_ result: EffectAttempt) -> Bool {
            let (continuation, cleanup) = state.withLock { state -> (UnsafeContinuation<EffectAttempt, Never>?, (@Sendable () -> Void)?) in
                guard !state.delivered else { return (nil, nil) }
                state.delivered = true
                defer { state.continuation = nil; state.cleanup = nil }
                return (state.continuation, state.cleanup)
            }
            guard let continuation else { return false }
            continuation.resume(returning: result)
            cleanup?()
            return true
        }
    }
}

/// `numninja_effects_total{kind,outcome}`.
final class EffectCounters: Sendable {
    enum Outcome: String, Sendable, CaseIterable {
        /// Journaled `effect_completed`.
        case completed
        /// A retryable failure; the effect waits for its next attempt.
        case retried
        /// Journaled `effect_failed` (a permanent failure, or the last attempt).
        case failed
        /// Not attempted: no longer pending when its turn came.
        case skipped
    }

    static let kinds = ["provision_number", "assign_routing", "release_number", "cancel_order", "refund_payment",
                        "forward_sms", "notify_customer", "report_usage"]

    private let counts = Mutex([String: UInt64]())

    init() {}

    func record(kind: String, outcome: Outcome) {
        counts.withLock { $0[kind + " " + outcome.rawValue, default: 0] += 1 }
    }

    func count(kind: String, outcome: Outcome) -> UInt64 {
        counts.withLock { $0[kind + " " + outcome.rawValue] ?? 0 }
    }
}
