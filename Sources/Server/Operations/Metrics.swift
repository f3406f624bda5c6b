import NumberActors
import Synchronization

/// A histogram with fixed upper bounds. Recording is a bucket search over a dozen bounds plus one
/// uncontended lock (tens of ns), so it is fine on the ingest path.
final class Histogram: Sendable {
    struct Snapshot: Sendable, Equatable {
        var bounds: [Double]
        /// Per bucket, not cumulative; values over the last bound are only in `count`.
        var counts: [UInt64]
        var count: UInt64
        var sum: Double
    }

    let bounds: [Double]
    private let state: Mutex<Snapshot>

    init(bounds: [Double]) {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 })
        self.bounds = bounds
        state = Mutex(Snapshot(bounds: bounds, counts: [UInt64](repeating: 0, count: bounds.count), count: 0, sum: 0))
    }

    func observe(_ value: Double) {
        let index = bounds.firstIndex { value <= $0 }
        state.withLock { state in
            if let index { state.counts[index] += 1 }
            state.count += 1
            state.sum += value
        }
    }

    var snapshot: Snapshot { state.withLock { $0 } }
}

/// The process's metrics (docs/observability.md says what each means). Counters and histograms are
/// recorded where things happen; gauges that describe the engine are read at scrape time.
///
/// Webhook endpoints record every answer through `webhook(source:outcome:receivedAt:)` (or the
/// `IngestOutcome` variant) exactly once per request, including rejections, so
/// `numninja_webhooks_total` counts what providers sent.
final class Metrics: Sendable {
    enum WebhookSource: String, Sendable, CaseIterable {
        case stripe, didww, sms, cdr, voice
    }

    enum WebhookOutcome: String, Sendable, CaseIterable {
        /// Durable and routed to a number.
        case accepted
        /// Already known (dedupe): acknowledged, nothing changed.
        case duplicate
        /// Durable but routed to no number: in the unroutable list.
        case parked
        /// Acknowledged without journaling (a type that concerns no number).
        case ignored
        /// Refused: authentication, signature, malformed or too large (4xx).
        case rejected
        /// Not stored: recovering, shutting down, journal failed, parked list full (503).
        case unavailable
    }

    let ingestLatency = Histogram(bounds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5])
    let journalFsync = Histogram(bounds: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1])
    let journalBatchRecords = Histogram(bounds: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192])
    let sseClients = Atomic<Int>(0)
    /// Effect attempts by kind and outcome (the effect workers record them).
    let effects = EffectCounters()
    private let webhooks = Mutex([UInt64](repeating: 0, count: WebhookSource.allCases.count * WebhookOutcome.allCases.count))
    private let httpStatuses = Mutex([Int: UInt64]())

    init() {}

    // MARK: - Recording

    /// One webhook request's outcome (`count` events for a batch such as a CDR upload). `receivedAt`
    /// (`Metrics.now()` when the request reached the endpoint) feeds `numninja_ingest_latency_seconds`
    /// for outcomes that waited for the journal (accepted, duplicate, parked); pass nil otherwise.
    func webhook(source: WebhookSource, outcome: WebhookOutcome, receivedAt: UInt64?, count: Int = 1) {
        let index = Self.webhookIndex(source, outcome)
        webhooks.withLock { $0[index] += UInt64(max(count, 0)) }
        guard let receivedAt else { return }
        switch outcome {
        case .accepted, .duplicate, .parked:
            let now = Self.now()
            ingestLatency.observe(now > receivedAt ? Double(now - receivedAt) / 1e9 : 0)
        case .ignored, .rejected, .unavailable:
            break
        }
    }

    /// The same, from what the engine answered.
    func webhook(source: WebhookSource, ingested outcome: IngestOutcome, receivedAt: UInt64?) {
        webhook(source: source, outcome: Self.outcome(outcome), receivedAt: receivedAt)
    }

    static func outcome(_ outcome: IngestOutcome) -> WebhookOutcome {
        switch outcome {
        case .accepted: .accepted
        case .duplicate: .duplicate
        case .parked: .parked
        }
    }

    func httpRequest(status: Int) {
        httpStatuses.withLock { $0[status, default: 0] += 1 }
    }

    /// For `JournalOptions.onBatch` (the journal writer thread, after each durable batch).
    func journalBatch(records: Int, syncSeconds: Double) {
        journalFsync.observe(syncSeconds)
        journalBatchRecords.observe(Double(records))
    }

    /// Monotonic nanoseconds, the clock `receivedAt` is read from.
    static func now() -> UInt64 { MonotonicClock.now() }

    func webhookCount(source: WebhookSource, outcome: WebhookOutcome) -> UInt64 {
        let index = Self.webhookIndex(source, outcome)
        return webhooks.withLock { $0[index] }
    }

    private static func webhookIndex(_ source: WebhookSource, _ outcome: WebhookOutcome) -> Int {
        WebhookSource.allCases.firstIndex(of: source)! * WebhookOutcome.allCases.count
            + WebhookOutcome.allCases.firstIndex(of: outcome)!
    }

    // MARK: - Exposition

    /// The whole scrape; `engine` is nil while recovering or once stopping.
    func render(engine: EngineGauges?) -> String {
        var out = PrometheusText()
        renderWebhooks(&out)
        out.histogram("numninja_ingest_latency_seconds", help: "Webhook request received to durable in the journal.",
                      ingestLatency.snapshot)
        out.histogram("numninja_journal_fsync_seconds", help: "Time in fdatasync per journal batch.", journalFsync.snapshot)
        out.histogram("numninja_journal_batch_records", help: "Records per journal group-commit batch.",
                      journalBatchRecords.snapshot)
        renderHTTP(&out)
        renderEffects(&out)
        out.family("numninja_sse_clients", type: "gauge", help: "Open Server-Sent Events streams.")
        out.sample("numninja_sse_clients", Double(sseClients.load(ordering: .relaxed)))
        out.family("numninja_ready", type: "gauge", help: "1 once recovered and the journal accepts writes, else 0.")
        out.sample("numninja_ready", engine == nil ? 0.0 : 1.0)
        engine?.render(&out)
        return out.text
    }

    private func renderWebhooks(_ out: inout PrometheusText) {
        let counts = webhooks.withLock { $0 }
        out.family("numninja_webhooks_total", type: "counter", help: "Webhook requests by source and outcome.")
        for source in WebhookSource.allCases {
            for outcome in WebhookOutcome.allCases {
                out.sample("numninja_webhooks_total", labels: [("source", source.rawValue), ("outcome", outcome.rawValue)],
                           counts[Self.webhookIndex(source, outcome)])
            }
        }
    }

    private func renderEffects(_ out: inout PrometheusText) {
        out.family("numninja_effects_total", type: "counter", help: "Effect attempts by kind and outcome.")
        for kind in EffectCounters.kinds {
            for outcome in EffectCounters.Outcome.allCases {
                out.sample("numninja_effects_total", labels: [("kind", kind), ("outcome", outcome.rawValue)],
                           effects.count(kind: kind, outcome: outcome))
            }
        }
    }

    private func renderHTTP(_ out: inout PrometheusText) {
        let statuses = httpStatuses.withLock { $0 }
        out.family("numninja_http_requests_total", type: "counter", help: "HTTP requests answered, by status code.")
        for status in statuses.keys.sorted() {
            out.sample("numninja_http_requests_total", labels: [("status", String(status))], statuses[status]!)
        }
    }
}

/// Gauges read from the engine at scrape time.
struct EngineGauges: Sendable {
    var numbersByState: [LifecycleState: Int] = [:]
    var outbox = OutboxStatus()
    var now: UnixSeconds = 0
    var unroutable = 0
    var dedupeEvictedEarly: UInt64 = 0
    var snapshotSeconds: Double?
    var snapshotSequence: UInt64?

    /// One pass over every number (each actor is asked once; 3.5 µs per number measured in a debug build).
    static func collect(_ engine: NumberEngine, workers: EffectWorkers? = nil) async -> EngineGauges {
        var gauges = EngineGauges()
        gauges.now = APIEvents.nowSeconds()
        await engine.forEachNumber { state in
            gauges.numbersByState[state.state, default: 0] += 1
            gauges.outbox.count(state)
        }
        gauges.outbox.add(workers)
        gauges.unroutable = engine.parkedEvents.count
        gauges.dedupeEvictedEarly = engine.dedupeEvictedEarly
        if let last = engine.snapshots.last {
            gauges.snapshotSeconds = last.millis / 1000
            gauges.snapshotSequence = last.sequence
        }
        return gauges
    }

    func render(_ out: inout PrometheusText) {
        out.family("numninja_numbers", type: "gauge", help: "Numbers by lifecycle state.")
        for state in LifecycleState.allCases {
            out.sample("numninja_numbers", labels: [("state", state.rawValue)], Double(numbersByState[state] ?? 0))
        }
        out.family("numninja_outbox_pending", type: "gauge", help: "Effects waiting to be carried out.")
        out.sample("numninja_outbox_pending", Double(outbox.pending))
        out.family("numninja_outbox_retrying", type: "gauge", help: "Pending effects whose last attempt failed and will be retried.")
        out.sample("numninja_outbox_retrying", Double(outbox.retrying))
        out.family("numninja_outbox_failed", type: "gauge", help: "Effects that failed for good and wait for an operator.")
        out.sample("numninja_outbox_failed", Double(outbox.failed))
        out.family("numninja_outbox_oldest_age_seconds", type: "gauge", help: "Age of the oldest pending effect (0 when none).")
        out.sample("numninja_outbox_oldest_age_seconds", Double(outbox.oldestAgeSeconds(now: now) ?? 0))
        out.family("numninja_unroutable_parked", type: "gauge", help: "Events parked because no number is known for them.")
        out.sample("numninja_unroutable_parked", Double(unroutable))
        out.family("numninja_dedupe_evicted_early_total", type: "counter",
                   help: "Dedupe keys evicted before their 7 days because the window was full.")
        out.sample("numninja_dedupe_evicted_early_total", dedupeEvictedEarly)
        // 0 until this process has taken a snapshot (the one recovery loaded is not timed).
        out.family("numninja_snapshot_last_seconds", type: "gauge", help: "How long the last snapshot taken by this process lasted.")
        out.sample("numninja_snapshot_last_seconds", snapshotSeconds ?? 0)
        out.family("numninja_snapshot_last_sequence", type: "gauge", help: "Journal sequence covered by the last snapshot taken by this process.")
        out.sample("numninja_snapshot_last_sequence", snapshotSequence ?? 0)
    }
}
