import Testing
@testable import NumberActors

/// Every domain rejection is recorded as ignored with its reason, and still bumps `version`.
@Suite struct NumberIgnoredEventTests {
    /// Applies `payload` and checks it was ignored with `reason`, with `version` bumped and facts unchanged.
    private func expectIgnored(_ h: inout Harness, _ payload: DomainEventPayload, _ reason: String,
                               id: String? = nil, time: UnixSeconds? = nil, created: UnixSeconds? = nil,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        let before = h.state
        h.apply(payload, id: id, time: time, created: created)
        #expect(h.lastOutcome == .ignored(reason: reason), sourceLocation: sourceLocation)
        #expect(h.state.version == before.version + 1, sourceLocation: sourceLocation)
        #expect(h.state.status == before.status, sourceLocation: sourceLocation)
        #expect(h.state.history.events.last?.kind == payload.kindName, sourceLocation: sourceLocation)
    }

    @Test func staleBillingEvent() {
        var h = Harness.live()
        h.apply(.paymentFailed(subscriptionID: "sub_1"), created: baseTime + 10_000)
        expectIgnored(&h, .subscriptionStatus(status: "active", subscriptionID: "sub_1"), "stale", created: baseTime + 5_000)
        expectIgnored(&h, payment(), "stale", created: baseTime + 5_000)
        #expect(h.status.reason == "payment_failed")
    }

    @Test func duplicateEventIdsChangeNoFacts() {
        var h = Harness.live(plan: Plan(includedCallSeconds: 0, includedSMS: 0, overage: .bill))
        h.apply(.paymentFailed(subscriptionID: "sub_1"), id: "evt_pf", time: baseTime + 9_000)
        expectIgnored(&h, .paymentFailed(subscriptionID: "sub_1"), "duplicate", id: "evt_pf", time: baseTime + 9_000)
        h.apply(call(seconds: 10), id: "cdr_1")
        expectIgnored(&h, call(seconds: 10), "duplicate", id: "cdr_1")
        h.apply(sms(), id: "sms_1")
        expectIgnored(&h, sms(), "duplicate", id: "sms_1")
        h.apply(voicemail(), id: "vm_1")
        expectIgnored(&h, voicemail(), "duplicate", id: "vm_1")
        h.apply(.disputeOpened(disputeID: "dp_1", status: "needs_response"))
        expectIgnored(&h, .disputeOpened(disputeID: "dp_1", status: "needs_response"), "duplicate")
        h.apply(.operatorCancel(operatorName: "ops"), id: "op_1", time: baseTime + 20_000)
        expectIgnored(&h, .operatorCancel(operatorName: "ops"), "duplicate", id: "op_1", time: baseTime + 20_000)
        #expect(h.state.usage?.usage == MonthUsage(calls: 1, callSeconds: 10, smsIn: 1, voicemails: 1))
        #expect(h.count("forward_sms") == 0, "a duplicate SMS is never forwarded again")
        #expect(h.billed() == ["2026-01 callSeconds": 10, "2026-01 sms": 1])
    }

    @Test func reservationAgainWithTheSameOrAnotherBody() {
        var h = Harness()
        h.apply(.reserved(reservation()))
        expectIgnored(&h, .reserved(reservation()), "duplicate")
        expectIgnored(&h, .reserved(Reservation(e164: "+15550000", customer: "cus_2", skuID: "sku_2")), "already_reserved")
        #expect(h.state.customer == "cus_1")
    }

    @Test func incompleteAndUnknownSubscriptionStatuses() {
        var h = Harness.live()
        expectIgnored(&h, .subscriptionStatus(status: "incomplete", subscriptionID: "sub_1"), "subscription_incomplete")
        expectIgnored(&h, .subscriptionStatus(status: "weird", subscriptionID: "sub_1"), "unknown_subscription_status")
    }

    @Test func checkoutExpiredWhileAPaymentIsKnown() {
        var h = Harness.live()
        expectIgnored(&h, .checkoutExpired, "payment_known")
    }

    @Test func partialRefund() {
        var h = Harness.live()
        expectIgnored(&h, .refunded(amountRefunded: 100, amount: 500), "partial_refund")
    }

    @Test func disputeInquiry() {
        var h = Harness.live()
        expectIgnored(&h, .disputeOpened(disputeID: "dp_1", status: "warning_needs_response"), "dispute_inquiry")
        #expect(h.state.facts.openDisputes.isEmpty)
    }

    @Test func cdrThatIsNotTheLastOfItsCall() {
        var h = Harness.live()
        expectIgnored(&h, call(seconds: 30, last: false), "not_last_cdr")
        h.apply(call(seconds: 45, last: true))
        #expect(h.state.usage?.usage == MonthUsage(calls: 1, callSeconds: 45))
    }

    @Test func trafficForAMonthTheLedgerNoLongerKeeps() {
        var h = Harness.live()
        h.apply(sms(), time: baseTime + 100 * 86_400) // April 2026
        expectIgnored(&h, sms(), "usage_month_closed", time: baseTime) // January: three months back
        h.apply(sms(), time: baseTime + 32 * 86_400) // February is still open
        #expect(h.state.facts.usage.months.count == 2)
    }

    @Test func secondProvisioningStartedWithAnotherOrder() {
        var h = Harness.ordered()
        expectIgnored(&h, .provisioningStarted(orderID: "ord_2"), "order_exists")
        #expect(h.state.didwwOrderID == "ord_1")
    }

    @Test func secondOrderCompletionWithAnotherDID() {
        var h = Harness.live()
        expectIgnored(&h, .orderCompleted(orderID: "ord_1", didID: "did_2"), "already_live")
        #expect(h.state.didwwDIDID == "did_1")
    }

    @Test func secondProvisioningFailure() {
        var h = Harness.ordered()
        h.apply(.orderCanceled(orderID: "ord_1"))
        expectIgnored(&h, .provisioningFailed(reason: "late"), "already_failed")
        #expect(h.status.reason == "order_canceled")
    }

    @Test func customerNotificationsOnACancelledNumber() {
        var h = Harness.live()
        h.apply(.operatorCancel(operatorName: "ops"))
        expectIgnored(&h, .trialWillEnd(trialEnd: nil), "cancelled")
        expectIgnored(&h, .paymentActionRequired(hostedInvoiceURL: "https://x"), "cancelled")
        #expect(h.count("notify_customer", in: h.lastEffects) == 0)
    }

    @Test func settlingAnEffectThatIsNotInTheOutbox() {
        var h = Harness.live()
        expectIgnored(&h, .effectCompleted(effectID: EffectID(numberID: "num_1", version: 99, index: 0), details: ""), "unknown_effect")
        let id = h.state.outbox.first!.effect.id
        h.apply(.effectCompleted(effectID: id, details: "ok"))
        expectIgnored(&h, .effectCompleted(effectID: id, details: "ok"), "unknown_effect")
        expectIgnored(&h, .effectFailed(effectID: id, details: "late"), "unknown_effect")
    }

    @Test func eventForAnotherNumber() {
        var h = Harness.live()
        let before = h.state
        h.apply(DomainEvent(numberID: "num_2", source: EventSource(eventID: "evt_z", time: baseTime), payload: .providerTerminated))
        #expect(h.lastOutcome == .ignored(reason: "wrong_number"))
        #expect(h.state.facts == before.facts)
        #expect(h.state.version == before.version + 1)
    }

    @Test func staleBlockHoldAndForwardingChanges() {
        var h = Harness.live()
        h.apply(.providerBlocked, time: baseTime + 5_000)
        expectIgnored(&h, .providerUnblocked, "stale", time: baseTime + 4_000)
        h.apply(.operatorHold(operatorName: "a"), time: baseTime + 5_000)
        expectIgnored(&h, .operatorUnhold(operatorName: "b"), "stale", time: baseTime + 4_000)
        h.apply(.forwardingChanged(Forwarding(phone: "+1")), time: baseTime + 5_000)
        expectIgnored(&h, .forwardingChanged(Forwarding(phone: "+2")), "stale", time: baseTime + 4_000)
        #expect(h.state.forward.phone == "+1")
    }

    @Test func historyIsBoundedPerKind() {
        var h = Harness(historyCapacity: 4)
        for i in 0..<10 { h.apply(sms(), id: "sms_\(i)") }
        #expect(h.state.history.sms.map(\.uuid) == ["sms_6", "sms_7", "sms_8", "sms_9"])
        #expect(h.state.history.events.count == 4)
        #expect(h.state.version == 10)
    }
}
