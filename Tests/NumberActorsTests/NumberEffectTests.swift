import Testing
@testable import NumberActors

/// One test per effect rule.
@Suite struct NumberEffectTests {
    @Test func provisionNumberWhenPaidReservedNotCancelledAndNoOrderOnce() {
        var h = Harness()
        h.apply(.reserved(reservation()))
        let effects = h.apply(payment())
        #expect(effects.map(\.action).contains(.provisionNumber(skuID: "sku_1", availableDIDID: "adid_1", e164: "+14155550100")))
        h.apply(payment(), id: "evt_again")
        h.apply(.subscriptionStatus(status: "active", subscriptionID: "sub_1"))
        #expect(h.count("provision_number") == 1)
    }

    @Test func noProvisionWhenCancelledOrAlreadyOrdered() {
        var cancelled = Harness()
        cancelled.apply(.reserved(reservation()))
        cancelled.apply(.operatorCancel(operatorName: "ops"))
        cancelled.apply(payment())
        #expect(cancelled.count("provision_number") == 0)
        var ordered = Harness()
        ordered.apply(.reserved(reservation()))
        ordered.apply(.provisioningStarted(orderID: "ord_1"))
        ordered.apply(payment())
        #expect(ordered.count("provision_number") == 0)
    }

    @Test func assignRoutingWhenTheNumberGoesLive() {
        var h = Harness.ordered()
        let effects = h.apply(.orderCompleted(orderID: "ord_1", didID: "did_1"))
        #expect(effects.first?.action == .assignRouting(didID: "did_1"))
        h.apply(.orderCompleted(orderID: "ord_1", didID: "did_1"), id: "evt_dup")
        #expect(h.count("assign_routing") == 1)
    }

    @Test func releaseNumberWhenALiveNumberIsCancelled() {
        var h = Harness.live()
        let effects = h.apply(.providerTerminated)
        #expect(effects.first?.action == .releaseNumber(didID: "did_1"))
        h.apply(.operatorCancel(operatorName: "ops"))
        #expect(h.count("release_number") == 1)
        #expect(h.count("cancel_order") == 0)
    }

    @Test func releaseNumberWhenACancelledNumberGoesLive() {
        var h = Harness.ordered()
        h.apply(.operatorCancel(operatorName: "ops"))
        let effects = h.apply(.orderCompleted(orderID: "ord_1", didID: "did_1"))
        #expect(effects.map(\.action) == [.releaseNumber(didID: "did_1")])
        #expect(h.count("assign_routing") == 0)
    }

    @Test func cancelOrderWhenCancelledWithAnOrderInFlight() {
        var h = Harness.ordered()
        let effects = h.apply(.subscriptionDeleted(subscriptionID: "sub_1"))
        #expect(effects.first?.action == .cancelOrder(orderID: "ord_1"))
        #expect(h.count("release_number") == 0)
    }

    @Test func refundPaymentWhenProvisioningFailsAfterAPayment() {
        var h = Harness.ordered()
        let effects = h.apply(.orderCanceled(orderID: "ord_1"))
        #expect(effects.first?.action == .refundPayment(paymentIntentID: "pi_1", chargeID: "ch_1"))
        h.apply(.provisioningFailed(reason: "again"))
        #expect(h.count("refund_payment") == 1)
    }

    @Test func noRefundWithoutAPaymentIdOrAfterAFullRefund() {
        var noID = Harness()
        noID.apply(.reserved(reservation()))
        noID.apply(payment(intent: nil, charge: nil))
        noID.apply(.provisioningFailed(reason: "x"))
        #expect(noID.count("refund_payment") == 0)
        var refunded = Harness.ordered()
        refunded.apply(.refunded(amountRefunded: 100, amount: 100))
        refunded.apply(.provisioningFailed(reason: "x"))
        #expect(refunded.count("refund_payment") == 0)
    }

    @Test func refundWhenThePaymentArrivesAfterTheFailure() {
        var h = Harness()
        h.apply(.reserved(reservation()))
        h.apply(.provisioningFailed(reason: "x"))
        #expect(h.count("refund_payment") == 0)
        h.apply(payment())
        #expect(h.count("refund_payment") == 1)
        #expect(h.count("provision_number") == 0)
    }

    @Test func forwardSMSOnlyWhileActive() {
        var h = Harness.live()
        let effects = h.apply(sms("hello"), id: "sms_1")
        #expect(effects.map(\.action) == [.forwardSMS(smsID: "sms_1", from: "+15550001", to: "14155550100", text: "hello",
                                                      forward: Forwarding(email: "owner@example.com"))])
        h.apply(.operatorHold(operatorName: "ops"))
        #expect(h.count("forward_sms", in: h.apply(sms(), id: "sms_2")) == 0)
        var pending = Harness()
        pending.apply(.reserved(reservation()))
        #expect(pending.count("forward_sms", in: pending.apply(sms())) == 0)
    }

    @Test func forwardingChangesWhereSMSGo() {
        var h = Harness.live()
        h.apply(.forwardingChanged(Forwarding(phone: "+15559999")))
        let effects = h.apply(sms("x"), id: "sms_1")
        #expect(effects.map(\.action) == [.forwardSMS(smsID: "sms_1", from: "+15550001", to: "14155550100", text: "x",
                                                      forward: Forwarding(phone: "+15559999"))])
        #expect(h.state.forward == Forwarding(phone: "+15559999"))
    }

    @Test func notifyOnEveryStateChangeWithStateAndReason() {
        var h = Harness()
        h.apply(.reserved(reservation()))
        #expect(h.notifications().isEmpty)
        h.apply(payment())
        h.apply(.provisioningStarted(orderID: "ord_1"))
        h.apply(.orderCompleted(orderID: "ord_1", didID: "did_1"))
        h.apply(.paymentFailed(subscriptionID: "sub_1"))
        h.apply(.operatorHold(operatorName: "ops")) // still suspended: reason changes, state does not
        h.apply(.operatorCancel(operatorName: "ops"))
        #expect(h.notifications() == [
            .stateChanged(state: .paid, reason: nil),
            .stateChanged(state: .provisioning, reason: nil),
            .stateChanged(state: .active, reason: nil),
            .stateChanged(state: .suspended, reason: "payment_failed"),
            .stateChanged(state: .cancelled, reason: "operator_cancel"),
        ])
    }

    @Test func notifyOnVoicemailPaymentActionRequiredAndTrialWillEnd() {
        var h = Harness.live()
        h.apply(voicemail(), id: "vm_1")
        h.apply(.paymentActionRequired(hostedInvoiceURL: "https://invoice.stripe.com/i/1"))
        h.apply(.trialWillEnd(trialEnd: baseTime + 86_400))
        #expect(h.notifications(in: Array(h.effects.suffix(3))) == [
            .voicemail(voicemailID: "vm_1", from: "+15550001", seconds: 12, recordingURL: "https://rec.example/1.mp3"),
            .paymentActionRequired(hostedInvoiceURL: "https://invoice.stripe.com/i/1"),
            .trialWillEnd(trialEnd: baseTime + 86_400),
        ])
        if case .notifyCustomer(let customer, let forward, _) = h.effects.last!.action {
            #expect(customer == "cus_1")
            #expect(forward.email == "owner@example.com")
        }
    }

    @Test func reportUsageForThePartAboveTheLimitUnderBill() {
        var h = Harness.live(plan: Plan(includedCallSeconds: 100, includedSMS: 1, overage: .bill))
        #expect(h.billed(in: h.apply(call(seconds: 80))).isEmpty)
        #expect(h.billed(in: h.apply(call(seconds: 50))) == ["2026-01 callSeconds": 30])
        #expect(h.billed(in: h.apply(call(seconds: 10))) == ["2026-01 callSeconds": 10])
        #expect(h.billed(in: h.apply(sms())).isEmpty)
        #expect(h.billed(in: h.apply(sms())) == ["2026-01 sms": 1])
        if case .reportUsage(let customer, let subscription, _, _, _) = h.effects.last!.action {
            #expect(customer == "cus_1")
            #expect(subscription == "sub_1")
        }
    }

    @Test func noReportUsageUnderBlockOrWithoutPlan() {
        var block = Harness.live(plan: Plan(includedCallSeconds: 1, includedSMS: 0, overage: .block))
        block.apply(call(seconds: 100))
        block.apply(sms())
        var none = Harness.live()
        none.apply(call(seconds: 100))
        #expect(block.count("report_usage") + none.count("report_usage") == 0)
    }

    @Test func usageBeforeTheReservationIsBilledWhenThePlanArrives() {
        var h = Harness()
        h.apply(call(seconds: 70))
        h.apply(.reserved(reservation(plan: Plan(includedCallSeconds: 60, includedSMS: 0, overage: .bill))))
        #expect(h.billed() == ["2026-01 callSeconds": 10])
    }

    @Test func effectIdsComeFromNumberVersionAndIndex() {
        var h = Harness.ordered()
        let effects = h.apply(.operatorCancel(operatorName: "ops"))
        #expect(effects.map(\.id.text) == ["num_1:4:0", "num_1:4:1"])
        #expect(effects.map(\.action.kindName) == ["cancel_order", "notify_customer"])
    }

    @Test func effectsStayInTheOutboxUntilSettled() {
        var h = Harness()
        h.apply(.reserved(reservation()))
        let emitted = h.apply(payment())
        #expect(h.state.outbox.map(\.effect) == emitted)
        let provision = emitted.first { $0.action.kindName == "provision_number" }!
        h.apply(.provisioningStarted(orderID: "ord_1"))
        h.apply(.effectCompleted(effectID: provision.id, details: "order ord_1"))
        #expect(h.lastOutcome == .applied)
        #expect(!h.state.outbox.contains { $0.effect.id == provision.id })
        let notify = h.state.outbox.first!
        h.apply(.effectFailed(effectID: notify.effect.id, details: "smtp 550"))
        #expect(h.state.outbox.first { $0.effect.id == notify.effect.id }?.status == .failed(details: "smtp 550"))
        #expect(h.state.didwwOrderID == "ord_1", "the order id comes from ProvisioningStarted, not the completion")
    }

    @Test func versionCountsEveryAppliedEventAndReplayedSequencesAreNoOps() {
        var h = Harness.live()
        h.apply(.subscriptionStatus(status: "incomplete", subscriptionID: nil))
        #expect(h.state.version == 5)
        let event = DomainEvent(numberID: "num_1", source: EventSource(eventID: "evt_x", time: baseTime), payload: .providerBlocked)
        let (same, effects) = NumberLifecycle.transition(h.state, event, at: JournalPosition(sequence: 3, recordTime: 0))
        #expect(same == h.state)
        #expect(effects.isEmpty)
        #expect(h.state.updatedAtISO8601 == "2026-01-01T00:00:05Z")
    }
}
