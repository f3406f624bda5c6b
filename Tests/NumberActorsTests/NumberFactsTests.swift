import Testing
@testable import NumberActors

/// One test per fact of DESIGN.md §"Facts, not transitions".
@Suite struct NumberFactsTests {
    @Test func reservationSetsTheNumberFieldsAndForwarding() {
        var h = Harness()
        h.apply(.reserved(reservation(plan: Plan(includedCallSeconds: 60, includedSMS: 5, overage: .bill))))
        #expect(h.state.e164 == "+14155550100")
        #expect(h.state.customer == "cus_1")
        #expect(h.state.didwwSKU == "sku_1")
        #expect(h.state.plan?.overage == .bill)
        #expect(h.state.forward.email == "owner@example.com")
        #expect(h.status == LifecycleStatus(.pending))
    }

    @Test func eventsBeforeTheReservationCreateTheRecordButDoNotProvision() {
        var h = Harness()
        h.apply(payment())
        #expect(h.status.state == .paid)
        #expect(h.count("provision_number") == 0)
        h.apply(.reserved(reservation()))
        #expect(h.count("provision_number") == 1)
    }

    @Test func paidThroughIsTheMaximumPeriodEndSeen() {
        var h = Harness()
        h.apply(payment(periodEnd: 2_000), created: 10)
        h.apply(payment(periodEnd: 1_000), created: 20)
        #expect(h.state.facts.paid)
        #expect(h.state.paidThrough == 2_000)
    }

    @Test func orderIdComesFromProvisioningStartedAndLiveFromOrderCompleted() {
        var h = Harness.ordered()
        #expect(h.state.didwwOrderID == "ord_1")
        #expect(h.status.state == .provisioning)
        h.apply(.orderCompleted(orderID: "ord_1", didID: "did_1"))
        #expect(h.state.didwwDIDID == "did_1")
        #expect(h.status.state == .active)
    }

    @Test func orderCompletionIsAcceptedBeforeProvisioningStarted() {
        var h = Harness()
        h.apply(.reserved(reservation()))
        h.apply(payment())
        h.apply(.orderCompleted(orderID: "ord_1", didID: "did_1"))
        #expect(h.status.state == .active)
        h.apply(.provisioningStarted(orderID: "ord_1"))
        #expect(h.lastOutcome == .applied)
        #expect(h.state.didwwOrderID == "ord_1")
    }

    @Test func provisioningFailedFromOrderCanceledOrTheWorker() {
        var a = Harness.ordered()
        a.apply(.orderCanceled(orderID: "ord_1"))
        #expect(a.status == LifecycleStatus(.failed, reason: "order_canceled"))
        var b = Harness.ordered()
        b.apply(.provisioningFailed(reason: "DIDWW 422"))
        #expect(b.status == LifecycleStatus(.failed, reason: "provisioning_failed"))
        #expect(b.state.facts.provisioningFailure?.value.detail == "DIDWW 422")
    }

    @Test func billingIsTheNewestByCreatedWithTiesByLargerEventId() {
        var h = Harness.live()
        h.apply(.paymentFailed(subscriptionID: "sub_1"), id: "evt_a", created: baseTime + 10_000)
        h.apply(payment(), id: "evt_b", created: baseTime + 10_000)
        #expect(h.status.state == .active, "same created: the larger event id (evt_b, paid) wins")
        h.apply(.paymentFailed(subscriptionID: "sub_1"), id: "evt_c", created: baseTime + 9_999)
        #expect(h.lastOutcome == .ignored(reason: "stale"))
        #expect(h.status.state == .active)
    }

    @Test func subscriptionStatusesMapToGoodOrDelinquent() {
        for (status, reason) in [("active", nil), ("trialing", nil), ("past_due", "subscription_past_due"),
                                 ("unpaid", "subscription_unpaid"), ("paused", "subscription_paused")] {
            var h = Harness.live()
            h.apply(.subscriptionStatus(status: status, subscriptionID: "sub_9"))
            #expect(h.status == LifecycleStatus(reason == nil ? .active : .suspended, reason: reason), "\(status)")
            #expect(h.state.stripeSubscription == "sub_9")
        }
    }

    @Test func openDisputesAreOpenedMinusClosed() {
        var h = Harness.live()
        h.apply(.disputeOpened(disputeID: "dp_1", status: "needs_response"))
        #expect(h.state.facts.openDisputes == ["dp_1"])
        h.apply(.disputeClosed(disputeID: "dp_1", status: "won"))
        #expect(h.state.facts.openDisputes.isEmpty)
    }

    @Test func usageIsCountedPerUtcMonthOfTheEventsOwnTime() {
        var h = Harness.live()
        h.apply(call(seconds: 30), time: baseTime - 1) // 2025-12-31T23:59:59Z
        h.apply(call(seconds: 40), time: baseTime)
        h.apply(call(seconds: 50, success: false), time: baseTime + 10)
        h.apply(sms(), time: baseTime + 20)
        h.apply(voicemail(), time: baseTime + 30)
        #expect(h.state.facts.usage.months[UsageMonth(year: 2025, month: 12)] == MonthUsage(calls: 1, callSeconds: 30))
        let latest = h.state.usage!
        #expect(latest.month.description == "2026-01")
        #expect(latest.usage == MonthUsage(calls: 2, callSeconds: 40, smsIn: 1, voicemails: 1))
    }

    @Test func usageCountsInEveryState() {
        var h = Harness()
        h.apply(sms())
        h.apply(.operatorCancel(operatorName: "ops"))
        h.apply(call(seconds: 5))
        #expect(h.state.usage?.usage == MonthUsage(calls: 1, callSeconds: 5, smsIn: 1))
    }

    @Test func providerBlockIsUndoneOnlyByALaterUnblock() {
        var h = Harness.live()
        h.apply(.providerBlocked, time: baseTime + 1_000)
        h.apply(.providerUnblocked, time: baseTime + 900)
        #expect(h.lastOutcome == .ignored(reason: "stale"))
        #expect(h.status == LifecycleStatus(.suspended, reason: "provider_blocked"))
        h.apply(.providerUnblocked, time: baseTime + 1_100)
        #expect(h.status.state == .active)
    }

    @Test func operatorHoldHoldsUntilLifted() {
        var h = Harness.live()
        h.apply(.operatorHold(operatorName: "alice"))
        #expect(h.status == LifecycleStatus(.suspended, reason: "operator_hold"))
        #expect(h.state.facts.operatorHold?.value.operatorName == "alice")
        h.apply(.operatorUnhold(operatorName: "bob"))
        #expect(h.status.state == .active)
    }

    @Test(arguments: [
        (DomainEventPayload.subscriptionDeleted(subscriptionID: "sub_1"), "subscription_deleted"),
        (.subscriptionStatus(status: "canceled", subscriptionID: "sub_1"), "subscription_canceled"),
        (.subscriptionStatus(status: "incomplete_expired", subscriptionID: "sub_1"), "subscription_incomplete_expired"),
        (.refunded(amountRefunded: 500, amount: 500), "refunded"),
        (.disputeClosed(disputeID: "dp_1", status: "lost"), "dispute_lost"),
        (.providerTerminated, "provider_terminated"),
        (.operatorCancel(operatorName: "ops"), "operator_cancel"),
    ])
    func everyCancellationIsTerminalAndNamed(payload: DomainEventPayload, reason: String) {
        var h = Harness.live()
        h.apply(payload)
        #expect(h.status == LifecycleStatus(.cancelled, reason: reason))
        h.apply(payment(periodEnd: baseTime + 90 * 86_400))
        h.apply(.subscriptionStatus(status: "active", subscriptionID: "sub_1"))
        h.apply(.operatorUnhold(operatorName: "ops"))
        #expect(h.status == LifecycleStatus(.cancelled, reason: reason), "terminal whatever arrives after")
    }

    @Test func checkoutExpiredCancelsOnlyWhileNoPaymentIsKnown() {
        var h = Harness()
        h.apply(.reserved(reservation()))
        h.apply(.checkoutExpired)
        #expect(h.status == LifecycleStatus(.cancelled, reason: "checkout_expired"))
        h.apply(payment())
        #expect(h.status.state == .paid, "a payment seen later undoes the expiry")
        #expect(h.count("provision_number") == 1)
    }

    @Test func theEarliestCancellationNamesTheReason() {
        var h = Harness.live()
        h.apply(.operatorCancel(operatorName: "ops"), time: baseTime + 5_000)
        h.apply(.providerTerminated, time: baseTime + 4_000)
        #expect(h.status.reason == "provider_terminated")
    }
}
