import Foundation
import NumberActors
@testable import Server
import Snapshot
import Testing

/// The workers with a real engine on a temporary directory and in-memory providers.
@Suite struct OutboxWorkersTests {
    @Test func aPaidReservedNumberIsOrderedOnceThenRoutedWhenTheOrderCompletes() async throws {
        let rig = try OutboxRig()
        rig.start()
        try await rig.ingest(OutboxRig.reserve("num_p1"))
        try await rig.ingest(OutboxRig.paid("num_p1"))
        let provisioning = await rig.waitFor("num_p1") { $0.state == .provisioning && !$0.outbox.contains { $0.effect.action.kindName == "provision_number" } }
        #expect(provisioning?.didwwOrderID == "ord_1")
        #expect(rig.didww.calls("createOrder").count == 1)
        #expect(rig.didww.calls("findOrder").count == 1, "looked for an earlier order first")
        #expect(rig.didww.state.withLock { $0.callbacks } == ["https://numninja.example/api/webhooks/didww?number=num_p1"])
        let kinds = OutboxRig.kinds(provisioning!)
        let started = try #require(kinds.firstIndex(of: "provisioning_started"))
        #expect(kinds[(started + 1)...].contains("effect_completed"), "the follow-up is journaled before the settlement: \(kinds)")

        try await rig.ingest(OutboxRig.orderCompleted("num_p1", order: "ord_1", did: "did_1"))
        let live = await rig.waitFor("num_p1") { $0.state == .active && !$0.outbox.contains { $0.effect.action.kindName == "assign_routing" } }
        #expect(live != nil)
        #expect(rig.didww.calls("assignTrunk") == ["assignTrunk did_1"])
        // The state-change notifications went out by email.
        _ = await rig.waitFor("num_p1") { $0.outbox.isEmpty }
        #expect(rig.channels.sent.withLock { $0 }.filter { $0.hasPrefix("email owner@example.com") }.count >= 2)
        #expect(rig.workers.counters.count(kind: "provision_number", outcome: .completed) == 1)
        await rig.finish()
    }

    @Test func aRetryableFailureWaitsForRetryAfterThenSucceeds() async throws {
        let rig = try OutboxRig()
        rig.didww.fail("createOrder", with: .retryable("DIDWW 503", status: 503), .retryable("DIDWW 429", retryAfter: .seconds(7), status: 429))
        rig.start()
        try await rig.ingest(OutboxRig.reserve("num_r1"))
        try await rig.ingest(OutboxRig.paid("num_r1"))
        let state = await rig.waitFor("num_r1") { $0.didwwOrderID != nil && !$0.outbox.contains { $0.effect.action.kindName == "provision_number" } }
        #expect(state?.state == .provisioning)
        #expect(rig.didww.calls("createOrder").count == 3)
        #expect(Set(rig.didww.state.withLock { $0.orders.values.map(\.id) }).count == 1, "one purchase")
        let slept = rig.sleeper.slept
        #expect(slept.contains(.seconds(7)), "Retry-After is honoured: \(slept)")
        #expect(slept.contains { $0 > .zero && $0 <= .seconds(1) }, "the first retry waits within the 1 s ceiling: \(slept)")
        #expect(rig.workers.counters.count(kind: "provision_number", outcome: .retried) == 2)
        await rig.finish()
    }

    @Test func aPermanentFailureFailsTheNumberAndRefundsThePayment() async throws {
        let rig = try OutboxRig()
        rig.didww.fail("createOrder", with: .permanent("insufficient balance", status: 402))
        rig.start()
        try await rig.ingest(OutboxRig.reserve("num_f1"))
        try await rig.ingest(OutboxRig.paid("num_f1"))
        let failed = await rig.waitFor("num_f1") { $0.state == .failed && !$0.outbox.contains { $0.effect.action.kindName == "refund_payment" } }
        #expect(failed?.stateReason == "provisioning_failed")
        let provision = failed?.outbox.first { $0.effect.action.kindName == "provision_number" }
        #expect(provision?.status == .failed(details: "outbox permanent failure (402): insufficient balance"), "listed for an operator")
        #expect(rig.stripe.calls.withLock { $0 }.contains { $0.hasPrefix("refund pi_num_f1") })
        #expect(rig.didww.calls("createOrder").count == 1)
        await rig.finish()
    }

    @Test func givingUpAfterTheLastAttemptFailsProvisioning() async throws {
        var options = OutboxRig.options
        options.retry.maxAttempts = 3
        let rig = try OutboxRig(options: options)
        rig.didww.fail("createOrder", with: .retryable("timeout"), .retryable("timeout"), .retryable("timeout"))
        rig.start()
        try await rig.ingest(OutboxRig.reserve("num_g1"))
        try await rig.ingest(OutboxRig.paid("num_g1"))
        let failed = await rig.waitFor("num_g1") { $0.state == .failed }
        let provision = failed?.outbox.first { $0.effect.action.kindName == "provision_number" }
        guard case .failed(let details) = provision?.status else { Issue.record("\(String(describing: provision))"); return }
        #expect(details.hasPrefix("gave up after 3 attempts: outbox retryable failure: timeout"))
        #expect(rig.didww.calls("createOrder").count == 3)
        await rig.finish()
    }

    @Test func aCrashAfterTheOrderBeforeItsResultIsJournaledDoesNotBuyTwice() async throws {
        let rig = try OutboxRig()
        // DIDWW accepts the order, and the process dies before the result reaches the journal.
        let engine = rig.engine
        rig.didww.state.withLock { $0.afterCreate = { engine.close() } }
        rig.start()
        try await rig.ingest(OutboxRig.reserve("num_c1"))
        try await rig.ingest(OutboxRig.paid("num_c1"))
        let deadline = ContinuousClock.now + .seconds(10)
        while rig.didww.calls("createOrder").isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
        #expect(rig.didww.calls("createOrder").count == 1)
        rig.didww.state.withLock { $0.afterCreate = nil }

        try await rig.restart()
        let state = await rig.waitFor("num_c1") { $0.didwwOrderID != nil && !$0.outbox.contains { $0.effect.action.kindName == "provision_number" } }
        #expect(state?.didwwOrderID == "ord_1")
        #expect(rig.didww.calls("createOrder").count == 1, "the rerun found the order: \(rig.didww.calls)")
        #expect(rig.didww.calls("findOrder").count == 2)
        // ProvisionNumber was emitted by the payment, the number's second event, first in its list.
        #expect(try rig.journaled { $0.hasPrefix("num_c1:2:0:") } == ["num_c1:2:0:provisioning_started:\(EffectSettlement.digest(.provisioningStarted(orderID: "ord_1")))",
                                                                    "num_c1:2:0:completed"])
        await rig.finish()
    }

    @Test func theSameEffectSettledTwiceIsJournaledOnce() async throws {
        let rig = try OutboxRig()
        try await rig.ingest(OutboxRig.reserve("num_d1"))
        try await rig.ingest(OutboxRig.paid("num_d1"))
        let state = try #require(await rig.state("num_d1"))
        let provision = try #require(state.outbox.first { $0.effect.action.kindName == "provision_number" }?.effect)
        let events = EffectSettlement.completed(provision, details: "order ord_9", followUps: [.provisioningStarted(orderID: "ord_9")], now: 5)
        let first = try await rig.engine.ingest(events)
        let second = try await rig.engine.ingest(events)
        #expect(first.allSatisfy { if case .accepted = $0 { true } else { false } })
        #expect(second == [.duplicate, .duplicate])
        #expect(try rig.journaled { $0.hasPrefix(provision.id.text) }.count == 2, "one follow-up, one completion")
        let after = try #require(await rig.state("num_d1"))
        #expect(after.version == state.version + 2)
        await rig.finish()
    }

    @Test func pendingEffectsFromBeforeARestartRunAfterRecovery() async throws {
        let rig = try OutboxRig()
        // No workers yet: the effect is only in the outbox (and the journal).
        try await rig.ingest(OutboxRig.reserve("num_s1"))
        try await rig.ingest(OutboxRig.paid("num_s1"))
        #expect(rig.didww.calls.isEmpty)
        try await rig.restart()
        let state = await rig.waitFor("num_s1") { $0.didwwOrderID != nil && $0.outbox.allSatisfy { $0.effect.action.kindName != "provision_number" } }
        #expect(state?.state == .provisioning)
        #expect(rig.didww.calls("createOrder").count == 1)
        await rig.finish()
    }

    @Test func effectsWithoutAnExecutorStayPending() async throws {
        let data = DataDirectory(NSTemporaryDirectory() + "nn-outbox-none-\(UInt64.random(in: 0...UInt64.max))")
        let workers = EffectWorkers(executors: ProviderSet().executors(webhookSecrets: CustomerWebhookSecret(directory: data.path)),
                                    sleeper: VirtualSleeper(), publicURL: { "http://127.0.0.1" })
        #expect(workers.executedKinds.isEmpty)
        #expect(ProviderSet().missing.count == 3)
        var options = EngineOptions()
        options.observer = workers.observer
        let engine = try NumberEngine.open(data, options: options)
        workers.start(engine: engine)
        _ = try await engine.ingest(OutboxRig.reserve("num_n1"))
        _ = try await engine.ingest(OutboxRig.paid("num_n1"))
        #expect(workers.queue.count == 0)
        var status = OutboxStatus()
        status.count(try #require(await engine.number("num_n1")).state)
        status.add(workers)
        #expect(status.pending >= 1 && status.failed == 0 && status.retrying == 0)
        #expect(status.oldestAgeSeconds(now: OutboxRig.t0 + 60) == 59, "emitted by the payment, at t0 + 1")
        await workers.stop()
        engine.close()
        try? FileManager.default.removeItem(atPath: data.path)
    }
}
