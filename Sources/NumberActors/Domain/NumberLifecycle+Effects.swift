/// Effects that follow from facts becoming true, each at most once per number.
extension NumberLifecycle {
    /// Checked after every event, so each fires when its last precondition arrives, whatever the order.
    static func lifecycleActions(_ state: inout NumberState.Fields) -> [EffectAction] {
        let emitted = state.emitted
        // Every once-per-number effect already out: nothing to decide (the common case for a live number).
        if emitted.provisionNumber && emitted.assignRouting && emitted.releaseNumber && emitted.cancelOrder
            && emitted.refundPayment { return [] }
        let cancelled = state.facts.isCancelled
        let failed = state.facts.isFailed
        let dead = cancelled || failed
        var actions: [EffectAction] = []

        // No DID is ever left running on a dead number.
        if dead, !emitted.releaseNumber, let order = state.facts.completedOrder {
            state.emitted.releaseNumber = true
            actions.append(.releaseNumber(didID: order.value.didID))
        }
        // An order still in flight when the number is cancelled (a failed order is already dead at DIDWW).
        if cancelled, !failed, !emitted.cancelOrder, !state.facts.completedOrder.isSome,
           let orderID = state.facts.startedOrder?.value {
            state.emitted.cancelOrder = true
            actions.append(.cancelOrder(orderID: orderID))
        }
        if !dead, !emitted.assignRouting, let order = state.facts.completedOrder {
            state.emitted.assignRouting = true
            actions.append(.assignRouting(didID: order.value.didID))
        }
        if state.facts.paid, !dead, !emitted.provisionNumber, !state.facts.hasOrder,
           let reservation = state.facts.reservation {
            state.emitted.provisionNumber = true
            actions.append(.provisionNumber(skuID: reservation.skuID, availableDIDID: reservation.availableDIDID,
                                            e164: reservation.e164))
        }
        // Provisioning failed after a payment: give the money back, once, unless Stripe already refunded it all.
        if failed, state.facts.paid, !emitted.refundPayment, !state.facts.fullyRefunded,
           let payment = state.facts.payment?.value {
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
