@testable import NumberActors
import Synchronization

/// One ingest call: a single event or a batch (a CDR request).
enum EngineStep: Sendable {
    case one(IncomingEvent)
    case batch([IncomingEvent])

    var events: [IncomingEvent] {
        switch self {
        case .one(let event): return [event]
        case .batch(let events): return events
        }
    }
}

/// Seeded, plausible webhook streams over many numbers: reservations, checkouts, invoices (some before the
/// checkout that links their subscription, so parked then re-driven), out-of-order subscription updates
/// and payment failures (by Stripe `created`), disputes by charge, DIDWW orders, SMS by E.164, CDR batches
/// (some before the reservation teaches the E.164), orphans that stay parked, and duplicates (also inside batches).
/// Customers are one per number here: shared customers are covered by EngineRoutingTests.
enum EngineStream {
    static func generate(seed: UInt64, numbers: Int, events target: Int, orphans: Int = 3) -> [EngineStep] {
        var rng = EngineRNG(seed: seed)
        let perNumber = max(4, (target * 8 / 10) / numbers - 5)
        var scripts: [[IncomingEvent]] = []
        var cdrs: [IncomingEvent] = []
        for k in 0..<numbers {
            let id = "num_\(k)", sub = "sub_\(k)", e164 = EF.e164(k)
            var script: [IncomingEvent] = []
            let early = rng.chance(0.35)
            if early { script.append(EF.invoicePaid("evt_inv0_\(k)", subscription: sub, charge: "ch_\(k)_0", periodEnd: EF.t0 + 30 * 86_400)) }
            script.append(EF.reserve(id, customer: "cus_\(k)", e164: e164))
            script.append(EF.checkout("evt_co_\(k)", number: id, subscription: sub, customer: "cus_\(k)", intent: "pi_\(k)", created: EF.t0 + 50))
            if !early { script.append(EF.invoicePaid("evt_inv0_\(k)", subscription: sub, charge: "ch_\(k)_0", periodEnd: EF.t0 + 30 * 86_400)) }
            if rng.chance(0.8) {
                script.append(EF.provisioningStarted(id, order: "ord_\(k)"))
                script.append(EF.orderCompleted("ord_\(k)", order: "ord_\(k)", did: "did_\(k)"))
            }
            for j in 0..<Int.random(in: (perNumber / 2)...(perNumber * 3 / 2), using: &rng) {
                let created = EF.t0 + Int64.random(in: 0...40 * 86_400, using: &rng)
                switch Int.random(in: 0..<10, using: &rng) {
                case 0, 1, 2:
                    let digits = rng.chance(0.5) ? String(e164.dropFirst()) : e164
                    script.append(EF.sms("sms_\(k)_\(j)", to: digits, time: created))
                case 3, 4:
                    cdrs.append(EF.cdr("cdr_\(k)_\(j)", to: String(e164.dropFirst()), seconds: Int64.random(in: 0...900, using: &rng), time: created))
                case 5:
                    script.append(EF.invoicePaid("evt_inv_\(k)_\(j)", subscription: sub, charge: "ch_\(k)_\(j)",
                                                 periodEnd: EF.t0 + Int64(j + 2) * 30 * 86_400, created: created))
                case 6, 7:
                    let status = ["active", "past_due", "unpaid", "trialing", "paused", "incomplete"].randomElement(using: &rng)!
                    script.append(EF.subscriptionStatus("evt_st_\(k)_\(j)", subscription: sub, status: status, created: created))
                case 8:
                    script.append(EF.paymentFailed("evt_pf_\(k)_\(j)", subscription: sub, created: created))
                default:
                    script.append(EF.dispute("evt_dp_\(k)_\(j)", charge: "ch_\(k)_0", disputeID: "dp_\(k)_\(j)", created: created))
                }
            }
            // Stripe delivers out of order: shuffle the part after the linking checkout a little.
            let head = early ? 3 : 2
            if script.count > head + 1 { script[head...].shuffle(using: &rng) }
            scripts.append(script)
        }
        var steps: [EngineStep] = []
        var singles: [IncomingEvent] = []
        cdrs.shuffle(using: &rng)
        while scripts.contains(where: { !$0.isEmpty }) {
            let candidates = scripts.indices.filter { !scripts[$0].isEmpty }
            let k = candidates.randomElement(using: &rng)!
            let event = scripts[k].removeFirst()
            steps.append(.one(event))
            singles.append(event)
            if !cdrs.isEmpty, rng.chance(0.12) {
                var batch = Array(cdrs.prefix(Int.random(in: 2...6, using: &rng)))
                cdrs.removeFirst(batch.count)
                if rng.chance(0.25) { batch.append(batch[0]) } // a duplicate inside the batch
                steps.append(.batch(batch))
            }
            if !singles.isEmpty, rng.chance(0.07) { steps.append(.one(singles.randomElement(using: &rng)!)) }
        }
        while !cdrs.isEmpty {
            let batch = Array(cdrs.prefix(5))
            cdrs.removeFirst(batch.count)
            steps.insert(.batch(batch), at: Int.random(in: 0...steps.count, using: &rng))
        }
        for o in 0..<orphans {
            steps.insert(.one(EF.invoicePaid("evt_orphan_\(o)", subscription: "sub_orphan_\(o)", periodEnd: EF.t0)),
                         at: Int.random(in: 0...steps.count, using: &rng))
        }
        return steps
    }

    /// Ingests `steps` from `tasks` concurrent tasks that take the next step from a shared cursor;
    /// `beforeStep` runs (on the task that took it) just before step i is ingested.
    static func ingest(_ steps: [EngineStep], into engine: NumberEngine, tasks: Int,
                       beforeStep: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> [(EngineStep, [IngestOutcome])] {
        let cursor = EngineBox(0)
        return try await withThrowingTaskGroup(of: [(EngineStep, [IngestOutcome])].self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    var done: [(EngineStep, [IngestOutcome])] = []
                    while true {
                        let index = cursor.withLock { value -> Int in
                            defer { value += 1 }
                            return value
                        }
                        guard index < steps.count else { return done }
                        beforeStep(index)
                        let step = steps[index]
                        done.append((step, try await engine.ingest(step.events)))
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }
}
