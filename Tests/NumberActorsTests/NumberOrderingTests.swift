import Testing
@testable import NumberActors

/// The arrival orders DESIGN.md singles out: facts and state agree in every order, and the DID and the
/// purchase are never left in a wrong state.
@Suite struct NumberOrderingTests {
    @Test func orderCanceledVersusSubscriptionDeleted() {
        let canceled = event(.orderCanceled(orderID: "ord_1"), "ord_1:canceled", at: 100)
        let deleted = event(.subscriptionDeleted(subscriptionID: "sub_1"), "evt_del", at: 200)
        let a = run(orderedPrefix + [canceled, deleted])
        let b = run(orderedPrefix + [deleted, canceled])
        for h in [a, b] {
            #expect(h.status == LifecycleStatus(.cancelled, reason: "subscription_deleted"))
            #expect(h.count("release_number") == 0)
            #expect(h.count("refund_payment") == 1)
        }
        #expect(a.state.facts == b.state.facts)
        #expect(a.count("cancel_order") == 0, "the order was already dead")
        #expect(b.count("cancel_order") == 1, "the order was in flight when the subscription went")
    }

    @Test func provisioningFailedThenALateOrderCompletion() {
        var h = run(orderedPrefix)
        h.apply(.provisioningFailed(reason: "timeout"))
        #expect(h.status == LifecycleStatus(.failed, reason: "provisioning_failed"))
        #expect(h.count("refund_payment") == 1)
        let late = h.apply(.orderCompleted(orderID: "ord_1", didID: "did_1"))
        #expect(late.first?.action == .releaseNumber(didID: "did_1"), "no DID left running on a failed number")
        #expect(h.status.state == .failed)
        #expect(h.count("assign_routing") == 0)
        let reversed = run(orderedPrefix + [event(.orderCompleted(orderID: "ord_1", didID: "did_1"), "c", at: 30),
                                            event(.provisioningFailed(reason: "timeout"), "f", at: 40)])
        #expect(reversed.status.state == .failed)
        #expect(reversed.count("release_number") == 1)
        #expect(reversed.count("refund_payment") == 1)
    }

    @Test func subscriptionDeletedWhileTheOrderIsInFlight() {
        var h = run(orderedPrefix)
        let effects = h.apply(.subscriptionDeleted(subscriptionID: "sub_1"))
        #expect(effects.map(\.action.kindName) == ["cancel_order", "notify_customer"])
        #expect(effects.first?.action == .cancelOrder(orderID: "ord_1"))
        #expect(h.status == LifecycleStatus(.cancelled, reason: "subscription_deleted"))
        h.apply(.orderCompleted(orderID: "ord_1", didID: "did_1"))
        #expect(h.lastEffects.map(\.action) == [.releaseNumber(didID: "did_1")])
        #expect(h.count("assign_routing") == 0)
        #expect(h.count("refund_payment") == 0, "a cancelled subscription is not a failed purchase")
    }

    @Test func disputeThenANewerPaidInvoice() {
        let live = orderedPrefix + [event(.orderCompleted(orderID: "ord_1", didID: "did_1"), "done", at: 30)]
        let dispute = event(.disputeOpened(disputeID: "dp_1", status: "needs_response"), "evt_dp", at: 100)
        let invoice = event(payment(periodEnd: baseTime + 60 * 86_400), "evt_inv2", at: 200)
        let a = run(live + [dispute, invoice])
        let b = run(live + [invoice, dispute])
        for h in [a, b] {
            #expect(h.status == LifecycleStatus(.suspended, reason: "dispute"), "a paid invoice does not close a dispute")
            #expect(h.state.paidThrough == baseTime + 60 * 86_400)
        }
        #expect(a.state.facts == b.state.facts)
        var closed = a
        closed.apply(.disputeClosed(disputeID: "dp_1", status: "won"))
        #expect(closed.status.state == .active)
    }

    @Test func twoDisputesOneClosed() {
        let live = orderedPrefix + [event(.orderCompleted(orderID: "ord_1", didID: "did_1"), "done", at: 30)]
        let events = [
            event(.disputeOpened(disputeID: "dp_1", status: "needs_response"), "o1", at: 100),
            event(.disputeOpened(disputeID: "dp_2", status: "under_review"), "o2", at: 110),
            event(.disputeClosed(disputeID: "dp_1", status: "won"), "c1", at: 120),
        ]
        let a = run(live + events)
        let b = run(live + events.reversed())
        for h in [a, b] {
            #expect(h.state.facts.openDisputes == ["dp_2"])
            #expect(h.status == LifecycleStatus(.suspended, reason: "dispute"))
        }
        #expect(a.state.facts == b.state.facts)
    }

    @Test func checkoutExpiresAfterASecondCheckoutPaid() {
        let reserve = event(.reserved(reservation()), "api_1", at: 0)
        let paidSecond = event(payment(), "evt_cs2_completed", at: 100)
        let expiredFirst = event(.checkoutExpired, "evt_cs1_expired", at: 200)
        var a = run([reserve, paidSecond, expiredFirst])
        #expect(a.lastOutcome == .ignored(reason: "payment_known"))
        let b = run([reserve, expiredFirst, paidSecond])
        for h in [a, b] {
            #expect(h.status == LifecycleStatus(.paid))
            #expect(h.count("provision_number") == 1)
        }
        #expect(a.state.facts == b.state.facts)
        a.apply(.provisioningStarted(orderID: "ord_1"))
        a.apply(.orderCompleted(orderID: "ord_1", didID: "did_1"))
        #expect(a.status.state == .active, "the customer who paid through a second checkout keeps the number")
    }

    @Test func cdrsAcrossAMonthBoundaryUnderABlockPlan() {
        let plan = Plan(includedCallSeconds: 100, includedSMS: 10, overage: .block)
        let start = [
            event(.reserved(reservation(plan: plan)), "api_1", at: 0),
            event(payment(), "evt_paid", at: 10),
            event(.orderCompleted(orderID: "ord_1", didID: "did_1"), "done", at: 20),
        ]
        let endOfJanuary: Int64 = 31 * 86_400 - 100
        let january = [event(call(seconds: 80), "cdr_1", at: endOfJanuary - 1_000),
                       event(call(seconds: 30), "cdr_2", at: endOfJanuary)]
        let february = event(call(seconds: 30), "cdr_3", at: 31 * 86_400 + 100)

        var h = run(start + january)
        #expect(h.status == LifecycleStatus(.suspended, reason: "limit_reached"))
        h.apply(february)
        #expect(h.status.state == .active, "a new month starts a new allowance")
        #expect(h.state.usage?.month.description == "2026-02")
        #expect(h.state.usage?.usage == MonthUsage(calls: 1, callSeconds: 30))

        let lateJanuary = run(start + [january[0], february, january[1]])
        #expect(lateJanuary.status.state == .active, "a late CDR for an older month does not block the current one")
        #expect(lateJanuary.state.facts == h.state.facts)
        #expect(lateJanuary.state.facts.usage.months[UsageMonth(year: 2026, month: 1)]?.callSeconds == 110)
    }
}
