import Testing
@testable import NumberActors

/// The derived `state`, first rule that applies, and the suspension reasons by priority.
@Suite struct NumberDerivationTests {
    @Test func cancelledWinsOverFailed() {
        var h = Harness.ordered()
        h.apply(.orderCanceled(orderID: "ord_1"))
        h.apply(.operatorCancel(operatorName: "ops"))
        #expect(h.status == LifecycleStatus(.cancelled, reason: "operator_cancel"))
    }

    @Test func failedWhenProvisioningFailedAndNotLive() {
        var h = Harness.ordered()
        h.apply(.provisioningFailed(reason: "gave up"))
        #expect(h.status.state == .failed)
    }

    @Test func pendingUntilPaid() {
        var h = Harness()
        h.apply(.reserved(reservation()))
        h.apply(.paymentFailed(subscriptionID: nil))
        #expect(h.status == LifecycleStatus(.pending))
    }

    @Test func paidWithoutOrderThenProvisioningThenActive() {
        var h = Harness()
        h.apply(.reserved(reservation()))
        h.apply(payment())
        #expect(h.status == LifecycleStatus(.paid))
        h.apply(.provisioningStarted(orderID: "ord_1"))
        #expect(h.status == LifecycleStatus(.provisioning))
        h.apply(.orderCompleted(orderID: "ord_1", didID: "did_1"))
        #expect(h.status == LifecycleStatus(.active))
    }

    @Test func delinquencyBeforeLiveDoesNotSuspend() {
        var h = Harness.ordered()
        h.apply(.operatorHold(operatorName: "ops"))
        h.apply(.providerBlocked)
        #expect(h.status == LifecycleStatus(.provisioning))
    }

    @Test func suspensionReasonsFollowTheirPriority() {
        var h = Harness.live(plan: Plan(includedCallSeconds: 10, includedSMS: 0, overage: .block))
        h.apply(sms())
        #expect(h.status.reason == "limit_reached")
        h.apply(.subscriptionStatus(status: "past_due", subscriptionID: "sub_1"))
        #expect(h.status.reason == "subscription_past_due")
        h.apply(.paymentFailed(subscriptionID: "sub_1"))
        #expect(h.status.reason == "payment_failed")
        h.apply(.disputeOpened(disputeID: "dp_1", status: "needs_response"))
        #expect(h.status.reason == "dispute")
        h.apply(.providerBlocked)
        #expect(h.status.reason == "provider_blocked")
        h.apply(.operatorHold(operatorName: "ops"))
        #expect(h.status == LifecycleStatus(.suspended, reason: "operator_hold"))
        h.apply(.operatorUnhold(operatorName: "ops"))
        h.apply(.providerUnblocked)
        h.apply(.disputeClosed(disputeID: "dp_1", status: "won"))
        h.apply(payment())
        #expect(h.status.reason == "limit_reached")
    }

    @Test func limitReachedOnlyUnderBlockAndOnlyOverTheLimit() {
        var block = Harness.live(plan: Plan(includedCallSeconds: 60, includedSMS: 10, overage: .block))
        block.apply(call(seconds: 60))
        #expect(block.status.state == .active, "at the limit is not over it")
        block.apply(call(seconds: 1))
        #expect(block.status == LifecycleStatus(.suspended, reason: "limit_reached"))
        var bill = Harness.live(plan: Plan(includedCallSeconds: 60, includedSMS: 10, overage: .bill))
        bill.apply(call(seconds: 600))
        #expect(bill.status.state == .active)
    }

    @Test func stateReasonIsNilWhenActive() {
        let h = Harness.live()
        #expect(h.state.state == .active)
        #expect(h.state.stateReason == nil)
    }
}
