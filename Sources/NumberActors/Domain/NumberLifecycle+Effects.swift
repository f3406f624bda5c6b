/// Effects that follow from facts becoming true, each at most once per number.
extension NumberLifecycle {
    /// Checked after every event, so each fires when its last precondition arrives, whatever the order.
    static func lifecycleActions(_ state: inout NumberState) -> [EffectAction] {
        let facts = state.facts
        let dead = facts.isCancelled || facts.isFailed
        var actions: [EffectAction] = []

        // No DID is ever left running on a dead number.
        if dead, let order = facts.completedOrder, !state.emitted.releaseNumber {
            state.emitted.releaseNumber = true
            actions.append(.releaseNumber(didID: order.value.didID))
        }
        // An order still in flight when the number is cancelled (a failed order is already dead at DIDWW).
        if facts.isCancelled, !facts.isFailed, facts.completedOrder == nil,
           let orderID = facts.startedOrder?.value, !state.emitted.cancelOrder {
            state.emitted.cancelOrder = true
            actions.append(.cancelOrder(orderID: orderID))
        }
        if !dead, let order = facts.completedOrder, !state.emitted.assignRouting {
            state.emitted.assignRouting = true
            actions.append(.assignRouting(didID: order.value.didID))
        }
        if facts.paid, !dead, facts.orderID == nil, let reservation = facts.reservation, !state.emitted.provisionNumber {
            state.emitted.provisionNumber = true
            actions.append(.provisionNumber(skuID: reservation.skuID, availableDIDID: reservation.availableDIDID,
                                            e164: reservation.e164))
        }
        // Provisioning failed after a payment: give the money back, once, unless Stripe already refunded it all.
        if facts.isFailed, facts.paid, !facts.fullyRefunded, let payment = facts.payment?.value,
           !state.emitted.refundPayment {
            state.emitted.refundPayment = true
            actions.append(.refundPayment(paymentIntentID: payment.paymentIntentID, chargeID: payment.chargeID))
        }
        return actions
    }

    /// ReportUsage for the part of `after` above the plan that `before` did not already cover. Summed over any
    /// order of a month's traffic this is `max(0, total - included)` per meter.
    static func overage(before: MonthUsage, after: MonthUsage, month: UsageMonth, _ facts: NumberFacts) -> [EffectAction] {
        guard let plan = facts.reservation?.plan, plan.overage == .bill else { return [] }
        var actions: [EffectAction] = []
        let seconds = excess(before.callSeconds, after.callSeconds, plan.includedCallSeconds)
        if seconds > 0 {
            actions.append(.reportUsage(customer: facts.reservation?.customer, subscriptionID: facts.subscription?.value,
                                        month: month, meter: .callSeconds, quantity: seconds))
        }
        let sms = excess(before.smsIn, after.smsIn, plan.includedSMS)
        if sms > 0 {
            actions.append(.reportUsage(customer: facts.reservation?.customer, subscriptionID: facts.subscription?.value,
                                        month: month, meter: .sms, quantity: sms))
        }
        return actions
    }

    private static func excess(_ before: Int64, _ after: Int64, _ included: Int64) -> Int64 {
        // Counters are non-negative; a negative allowance counts as none, so nothing here can overflow.
        let allowance = max(0, included)
        return max(0, after - allowance) - max(0, before - allowance)
    }
}
