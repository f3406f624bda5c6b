import Foundation
import NumberActors
@testable import Server
import Testing

/// Each executor against in-memory providers, with a number state built by the pure transition.
@Suite struct OutboxExecutorTests {
    static func context(_ state: NumberState = NumberState(id: "num_x1"), key: String = "num_x1:3:0") -> EffectContext {
        EffectContext(number: state, idempotencyKey: key, publicURL: "https://numninja.example", attempt: 1, now: 1_767_225_600)
    }

    static func effect(_ action: EffectAction) -> Effect {
        Effect(id: EffectID(numberID: "num_x1", version: 3, index: 0), action: action)
    }

    static func state(_ payloads: [DomainEventPayload]) -> NumberState {
        var state = NumberState(id: "num_x1")
        for (index, payload) in payloads.enumerated() {
            let event = DomainEvent(numberID: "num_x1", source: EventSource(eventID: "e\(index)", time: 1_767_225_600 + Int64(index)), payload: payload)
            state = NumberLifecycle.transition(state, event, at: JournalPosition(sequence: UInt64(index + 1), recordTime: 1_767_225_600)).0
        }
        return state
    }

    static let reserved = DomainEventPayload.reserved(Reservation(e164: "+14155550100", customer: "cus_1", skuID: "sku_1"))

    @Test func provisionSkipsANumberThatDiedAndOneAlreadyOrdered() async {
        let didww = RecordingDIDWW()
        let executor = ProvisionNumberExecutor(didww: didww)
        let effect = Self.effect(.provisionNumber(skuID: "sku_1", availableDIDID: nil, e164: "+14155550100"))
        let cancelled = Self.state([Self.reserved, .operatorCancel(operatorName: "ops")])
        #expect(await executor.execute(effect, context: Self.context(cancelled)) == .completed("not ordered: the number is cancelled"))
        let ordered = Self.state([Self.reserved, .provisioningStarted(orderID: "ord_7")])
        #expect(await executor.execute(effect, context: Self.context(ordered)) == .completed("order ord_7 already known"))
        #expect(didww.calls.isEmpty)
        #expect(executor.givingUp(effect, reason: "gave up") == [.provisioningFailed(reason: "gave up")])
        #expect(URLText.queryValue("num a/b&c") == "num%20a%2Fb%26c")
    }

    /// A DIDWW that knows one order and its DID, and records the trunk assignments.
    final class OrderDIDWW: DIDWWProvisioning, @unchecked Sendable {
        var assigned: [String] = []
        func findOrder(externalReferenceID: String) async throws -> DIDWWOrder? { nil }
        func createOrder(skuID: String, availableDIDID: String?, callbackURL: String, externalReferenceID: String) async throws -> DIDWWOrder {
            throw ProviderError.permanent("not in this test")
        }
        func assignTrunk(didID: String) async throws { assigned.append(didID) }
        func releaseDID(didID: String) async throws {}
        func cancelOrder(orderID: String) async throws {}
        func didIDs(orderID: String) async throws -> [String] { orderID == "ord_7" ? ["did_7"] : [] }
    }

    @Test func routingAnOrderWhoseCallbackNamedNoDIDReadsItAndTeachesItToTheNumber() async {
        let didww = OrderDIDWW()
        let state = Self.state([Self.reserved, .paymentSucceeded(PaymentSucceeded(subscriptionID: nil, periodEnd: nil)),
                                .provisioningStarted(orderID: "ord_7"), .orderCompleted(orderID: "ord_7", didID: "")])
        let result = await AssignRoutingExecutor(didww: didww).execute(Self.effect(.assignRouting(didID: "")), context: Self.context(state))
        #expect(result == .completed(details: "DID did_7 routed to the trunk", followUps: [.orderCompleted(orderID: "ord_7", didID: "did_7")]))
        #expect(didww.assigned == ["did_7"])
        // A DID already known is used as is, and nothing is learnt.
        let known = await AssignRoutingExecutor(didww: didww).execute(Self.effect(.assignRouting(didID: "did_1")), context: Self.context(state))
        #expect(known == .completed(details: "DID did_1 routed to the trunk", followUps: []))
    }

    @Test func unknownErrorsAreRetryable() async {
        struct Broken: Error {}
        #expect(ProviderError.classify(Broken()).kind == .retryable)
        #expect(ProviderError.classify(ProviderError.permanent("no")).kind == .permanent)
        #expect(ProviderError.retryable("slow", retryAfter: .seconds(3)).attempt == .retry(reason: "outbox retryable failure: slow", after: .seconds(3)))
    }

    @Test func aRefundWithoutAPaymentIdIsLeftToAnOperator() async {
        let stripe = RecordingStripe()
        let executor = RefundPaymentExecutor(stripe: stripe)
        #expect(await executor.execute(Self.effect(.refundPayment(paymentIntentID: nil, chargeID: nil)), context: Self.context())
                == .failed("no payment id: refund by hand"))
        #expect(await executor.execute(Self.effect(.refundPayment(paymentIntentID: nil, chargeID: "ch_1")), context: Self.context())
                == .completed("refund re_1"))
        #expect(stripe.calls.withLock { $0 } == ["refund - ch_1 num_x1:3:0"], "the effect id is Stripe's idempotency key")
    }

    @Test func usageIsReportedWithTheEffectIdAsTheMeterEventIdentifier() async {
        let stripe = RecordingStripe()
        let executor = ReportUsageExecutor(stripe: stripe)
        let month = UsageMonth(year: 2026, month: 1)
        let action = EffectAction.reportUsage(customer: "cus_1", subscriptionID: "sub_1", month: month, meter: .sms, quantity: 4)
        guard case .completed = await executor.execute(Self.effect(action), context: Self.context()) else { Issue.record("not completed"); return }
        #expect(stripe.calls.withLock { $0 } == ["meter numninja_sms cus_1 4 num_x1:3:0"])
        let anonymous = EffectAction.reportUsage(customer: nil, subscriptionID: nil, month: month, meter: .sms, quantity: 4)
        #expect(await executor.execute(Self.effect(anonymous), context: Self.context()) == .failed("no Stripe customer: report usage by hand"))
    }

    @Test func aForwardedSMSReachesEveryTargetAndARetryResendsOnlyWhatFailed() async throws {
        let directory = NSTemporaryDirectory() + "nn-outbox-exec-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let channels = RecordingChannels()
        channels.webhookFailures.withLock { $0 = [.retryable("customer 503", retryAfter: .seconds(30), status: 503)] }
        let secrets = CustomerWebhookSecret(directory: directory)
        let executor = ForwardSMSExecutor(delivery: CustomerDelivery(mailer: channels, webhooks: channels, sms: channels, secrets: secrets))
        let forward = Forwarding(email: "owner@example.com", webhookURL: "https://hooks.example/sms", phone: "+15550009")
        let effect = Self.effect(.forwardSMS(smsID: "sms_1", from: "+15550001", to: "14155550100", text: "hi", forward: forward))
        #expect(executor.requests(for: effect) == [.email, .customerWebhook, .didwwSMS])
        let state = Self.state([Self.reserved])

        let first = await executor.execute(effect, context: Self.context(state))
        #expect(first == .retry(reason: "outbox retryable failure (503): customer 503", after: .seconds(30)))
        let second = await executor.execute(effect, context: Self.context(state))
        #expect(second == .completed("delivered: email, webhook, phone"))
        let sent = channels.sent.withLock { $0 }
        #expect(sent.filter { $0.hasPrefix("email ") }.count == 1 && sent.filter { $0.hasPrefix("sms ") }.count == 1, "\(sent)")
        let hooks = sent.filter { $0.hasPrefix("webhook ") }
        #expect(hooks.count == 2 && hooks.allSatisfy { $0.contains("num_x1:3:0 true") && $0.contains("\"type\":\"sms.received\"") }, "\(hooks)")
        #expect(sent.contains("email owner@example.com SMS from +15550001 to 14155550100 <num_x1:3:0@numninja>"))
        #expect(try secrets.secret(numberID: "num_x1", url: "https://hooks.example/sms").hasPrefix("whsec_"))
    }

    @Test func aNotificationWithAPermanentlyRefusedTargetFailsAfterTheOthersAreReached() async {
        let directory = NSTemporaryDirectory() + "nn-outbox-exec-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let channels = RecordingChannels()
        channels.webhookFailures.withLock { $0 = [.permanent("customer 410", status: 410)] }
        let executor = NotifyCustomerExecutor(delivery: CustomerDelivery(mailer: channels, webhooks: channels, sms: channels,
                                                                          secrets: CustomerWebhookSecret(directory: directory)))
        let forward = Forwarding(email: "owner@example.com", webhookURL: "https://hooks.example/n")
        let effect = Self.effect(.notifyCustomer(customer: "cus_1", forward: forward, notification: .stateChanged(state: .active, reason: nil)))
        let result = await executor.execute(effect, context: Self.context(Self.state([Self.reserved])))
        #expect(result == .failed("webhook: outbox permanent failure (410): customer 410 (delivered: email)"))
        #expect(channels.sent.withLock { $0 }.first == "email owner@example.com +14155550100 is now active <num_x1:3:0@numninja>")
        let none = Self.effect(.notifyCustomer(customer: nil, forward: Forwarding(), notification: .trialWillEnd(trialEnd: nil)))
        #expect(await executor.execute(none, context: Self.context()) == .completed("no target to deliver to"))
    }
}
