import TestSupport
import Testing
@testable import NumberActors

/// Seeded, so a failing case is reproduced from its seed alone.
typealias SeededGenerator = SplitMix64

/// Plausible event sets for one number: a reservation, payments, a provisioning outcome, billing trouble,
/// disputes, cancellations, blocks and holds, and traffic over two months.
struct ScenarioGenerator {
    var rng: SeededGenerator
    private var events: [DomainEvent] = []
    private var counter = 0

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    private mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    private mutating func time() -> Int64 { Int64.random(in: 0..<(55 * 86_400), using: &rng) }

    private mutating func add(_ payload: DomainEventPayload, at offset: Int64? = nil) {
        counter += 1
        events.append(event(payload, "e\(counter)", at: offset ?? time()))
    }

    mutating func make() -> [DomainEvent] {
        let plans: [Plan?] = [nil, Plan(includedCallSeconds: 300, includedSMS: 2, overage: .bill),
                              Plan(includedCallSeconds: 300, includedSMS: 2, overage: .block)]
        add(.reserved(reservation(plan: plans.randomElement(using: &rng)!)), at: 0)
        add(payment(periodEnd: baseTime + 30 * 86_400), at: 60)
        if chance(0.5) { add(payment(periodEnd: baseTime + 60 * 86_400, intent: "pi_2", charge: "ch_2")) }
        if chance(0.4) { add(.paymentFailed(subscriptionID: "sub_1")) }
        if chance(0.4) {
            let statuses = ["active", "past_due", "unpaid", "trialing", "incomplete", "paused", "canceled"]
            add(.subscriptionStatus(status: statuses.randomElement(using: &rng)!, subscriptionID: "sub_1"))
        }
        addProvisioning()
        addTrouble()
        addTraffic()
        addDuplicates()
        return events
    }

    private mutating func addProvisioning() {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: break
        case 1: add(.provisioningStarted(orderID: "ord_1"))
        case 2: add(.provisioningStarted(orderID: "ord_1")); add(.orderCompleted(orderID: "ord_1", didID: "did_1"))
        case 3: add(.provisioningStarted(orderID: "ord_1")); add(.orderCanceled(orderID: "ord_1"))
        case 4: add(.provisioningStarted(orderID: "ord_1")); add(.provisioningFailed(reason: "gave up"))
        default:
            add(.provisioningStarted(orderID: "ord_1"))
            add(.orderCompleted(orderID: "ord_1", didID: "did_1"))
            add(.provisioningFailed(reason: "late"))
        }
    }

    private mutating func addTrouble() {
        for dispute in 0..<Int.random(in: 0...2, using: &rng) {
            add(.disputeOpened(disputeID: "dp_\(dispute)", status: chance(0.2) ? "warning_needs_response" : "needs_response"))
            if chance(0.6) { add(.disputeClosed(disputeID: "dp_\(dispute)", status: chance(0.3) ? "lost" : "won")) }
        }
        let cancellations: [DomainEventPayload] = [
            .subscriptionDeleted(subscriptionID: "sub_1"), .refunded(amountRefunded: 500, amount: 500),
            .refunded(amountRefunded: 100, amount: 500), .providerTerminated, .operatorCancel(operatorName: "ops"),
            .checkoutExpired,
        ]
        for payload in cancellations where chance(0.15) { add(payload) }
        if chance(0.4) { add(.providerBlocked); if chance(0.5) { add(.providerUnblocked) } }
        if chance(0.4) { add(.operatorHold(operatorName: "a")); if chance(0.5) { add(.operatorUnhold(operatorName: "b")) } }
        if chance(0.3) { add(.forwardingChanged(Forwarding(phone: "+1555"))) }
        if chance(0.3) { add(.paymentActionRequired(hostedInvoiceURL: "https://invoice")) }
        if chance(0.3) { add(.trialWillEnd(trialEnd: nil)) }
    }

    private mutating func addTraffic() {
        for _ in 0..<Int.random(in: 0...8, using: &rng) {
            let last: Bool? = [nil, true, false].randomElement(using: &rng)!
            add(call(seconds: Int64.random(in: 0...200, using: &rng), success: chance(0.8), last: last))
        }
        for _ in 0..<Int.random(in: 0...5, using: &rng) { add(sms()) }
        for _ in 0..<Int.random(in: 0...2, using: &rng) { add(voicemail()) }
    }

    /// Provider redeliveries: the same event (same id) again.
    private mutating func addDuplicates() {
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            events.append(events.randomElement(using: &rng)!)
        }
    }
}

@Suite struct NumberConvergenceTests {
    static let seeds: ClosedRange<UInt64> = 1...300
    static let ordersPerSeed = 8

    /// The same events in any order, duplicates included, give the same facts, state, reason, usage and
    /// paid_through; at most one purchase; no DID left live on a dead number; the same billed usage.
    @Test func anyArrivalOrderConverges() throws {
        for seed in Self.seeds {
            var generator = ScenarioGenerator(seed: seed)
            let events = generator.make()
            var reference: Harness?
            for order in 0..<Self.ordersPerSeed {
                let h = run(order == 0 ? events : events.shuffled(using: &generator.rng))
                let where_ = "seed \(seed), order \(order)"
                #expect(h.count("provision_number") <= 1, "\(where_)")
                #expect(h.count("assign_routing") <= 1 && h.count("release_number") <= 1, "\(where_)")
                #expect(h.count("cancel_order") <= 1 && h.count("refund_payment") <= 1, "\(where_)")
                let dead = h.status.state == .cancelled || h.status.state == .failed
                if dead && h.state.didwwDIDID != nil {
                    #expect(h.count("release_number") == 1, "live DID left on a dead number, \(where_)")
                }
                guard let first = reference else { reference = h; continue }
                let sameFacts = h.state.facts == first.state.facts // a Bool, so a failure prints the seed, not the state
                #expect(sameFacts, "facts differ, \(where_)")
                #expect(h.status == first.status, "state differs, \(where_)")
                #expect(h.state.usage?.month == first.state.usage?.month, "\(where_)")
                #expect(h.state.usage?.usage == first.state.usage?.usage, "\(where_)")
                #expect(h.state.paidThrough == first.state.paidThrough, "\(where_)")
                #expect(h.billed() == first.billed(), "billed usage differs, \(where_)")
                #expect(h.state.version == first.state.version, "\(where_)")
            }
            if let final = reference?.state {
                #expect(try DomainCodec.decodeState(DomainCodec.encode(final)) == final, "seed \(seed)")
            }
        }
    }
}
