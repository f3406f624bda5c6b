/// Adding one event's facts to a number. Every merge is order-independent (see `NumberFacts`).
extension NumberLifecycle {
    static func applyFacts(_ event: DomainEvent, to state: inout NumberState.Fields,
                           consequences: inout Consequences) -> EventOutcome {
        let source = event.source
        switch event.payload {
        case .reserved(let reservation):
            return reserve(reservation, source, &state, &consequences)
        case .forwardingChanged(let forward):
            return outcome(state.facts.forward.keepNewest(Stamped(forward, at: source.stamp)))
        case .paymentSucceeded(let payment):
            return paymentSucceeded(payment, source, &state.facts)
        case .paymentFailed(let subscriptionID):
            return billing(.delinquent(reason: "payment_failed"), subscriptionID, source, &state.facts)
        case .subscriptionStatus(let status, let subscriptionID):
            return subscriptionStatus(status, subscriptionID, source, &state.facts)
        case .subscriptionDeleted(let subscriptionID):
            if let subscriptionID {
                _ = state.facts.subscription.keepNewest(Stamped(subscriptionID, at: source.billingStamp))
            }
            return cancel(.subscriptionDeleted, source, &state.facts)
        case .checkoutExpired:
            let merged = cancel(.checkoutExpired, source, &state.facts)
            return state.facts.paid && merged == .applied ? .ignored(reason: IgnoreReason.paymentKnown) : merged
        case .trialWillEnd(let trialEnd):
            return notify(.trialWillEnd(trialEnd: trialEnd), state.facts, &consequences)
        case .paymentActionRequired(let url):
            return notify(.paymentActionRequired(hostedInvoiceURL: url), state.facts, &consequences)
        case .refunded(let amountRefunded, let amount):
            guard amount > 0, amountRefunded >= amount else { return .ignored(reason: IgnoreReason.partialRefund) }
            return cancel(.refunded, source, &state.facts)
        case .disputeOpened(let disputeID, let status):
            guard !status.hasPrefix("warning_") else { return .ignored(reason: IgnoreReason.disputeInquiry) }
            return state.facts.disputesOpened.insert(disputeID).inserted ? .applied : .ignored(reason: IgnoreReason.duplicate)
        case .disputeClosed(let disputeID, let status):
            let inserted = state.facts.disputesClosed.insert(disputeID).inserted
            if status == "lost" { return cancel(.disputeLost, source, &state.facts) }
            return inserted ? .applied : .ignored(reason: IgnoreReason.duplicate)
        default:
            return applyCarrierFacts(event, to: &state, consequences: &consequences)
        }
    }

    /// DIDWW, traffic, operator and outbox events.
    private static func applyCarrierFacts(_ event: DomainEvent, to state: inout NumberState.Fields,
                                          consequences: inout Consequences) -> EventOutcome {
        let source = event.source
        switch event.payload {
        case .provisioningStarted(let orderID):
            let merged = state.facts.startedOrder.keepOldest(Stamped(orderID, at: source.stamp))
            if merged == .superseded, state.facts.startedOrder?.value != orderID {
                return .ignored(reason: IgnoreReason.orderExists)
            }
            return outcome(merged)
        case .orderCompleted(let orderID, let didID):
            let order = Stamped(CompletedOrder(orderID: orderID, didID: didID), at: source.stamp)
            let previous = state.facts.completedOrder
            let merged = state.facts.completedOrder.keepOldest(order)
            // DIDWW's order callback names the order, not always its DID, which is read later: whichever event
            // comes first, the kept order takes the DID that another event of the same order names.
            if state.facts.completedOrder!.value.didID.isEmpty {
                for other in [previous, order] {
                    guard let other, other.value.orderID == state.facts.completedOrder!.value.orderID,
                          !other.value.didID.isEmpty else { continue }
                    state.facts.completedOrder!.value.didID = other.value.didID
                    return .applied
                }
            }
            return merged == .superseded ? .ignored(reason: IgnoreReason.alreadyLive) : outcome(merged)
        case .orderCanceled(let orderID):
            return fail(ProvisioningFailure(kind: .orderCanceled, detail: orderID), source, &state.facts)
        case .provisioningFailed(let reason):
            return fail(ProvisioningFailure(kind: .provisioningFailed, detail: reason), source, &state.facts)
        case .providerBlocked:
            return outcome(state.facts.providerBlock.keepNewest(Stamped(true, at: source.stamp)))
        case .providerUnblocked:
            return outcome(state.facts.providerBlock.keepNewest(Stamped(false, at: source.stamp)))
        case .providerTerminated:
            return cancel(.providerTerminated, source, &state.facts)
        case .callRecorded(let call):
            return recordCall(call, source, &state, &consequences)
        case .smsReceived(let sms):
            return recordSMS(sms, source, &state, &consequences)
        case .voicemailLeft(let voicemail):
            return recordVoicemail(voicemail, source, &state, &consequences)
        case .operatorHold(let name):
            return outcome(state.facts.operatorHold.keepNewest(Stamped(OperatorHold(held: true, operatorName: name), at: source.stamp)))
        case .operatorUnhold(let name):
            return outcome(state.facts.operatorHold.keepNewest(Stamped(OperatorHold(held: false, operatorName: name), at: source.stamp)))
        case .operatorCancel:
            return cancel(.operatorCancel, source, &state.facts)
        case .effectCompleted(let effectID, _):
            guard let index = state.outbox.firstIndex(where: { $0.effect.id == effectID }) else {
                return .ignored(reason: IgnoreReason.unknownEffect)
            }
            if state.outbox.count == 1 {
                // Settled: give the buffer back, so an idle number keeps no outbox storage.
                state.outbox = []
            } else {
                state.outbox.remove(at: index)
            }
            return .applied
        case .effectFailed(let effectID, let details):
            guard let index = state.outbox.firstIndex(where: { $0.effect.id == effectID }) else {
                return .ignored(reason: IgnoreReason.unknownEffect)
            }
            state.outbox[index].status = .failed(details: details)
            return .applied
        case .effectRetried(let effectID, _):
            guard let index = state.outbox.firstIndex(where: { $0.effect.id == effectID }) else {
                return .ignored(reason: IgnoreReason.unknownEffect)
            }
            // Only a failed entry goes back to pending; a retry of a pending one changes nothing.
            guard case .failed = state.outbox[index].status else { return .ignored(reason: IgnoreReason.duplicate) }
            state.outbox[index].status = .pending
            return .applied
        case .unreadableRecord:
            // Only an operator's assignment brings one to a number: there is nothing in it to apply.
            return .ignored(reason: IgnoreReason.unreadable)
        default:
            preconditionFailure("applyFacts handles \(event.payload.kindName)")
        }
    }

    // MARK: API and Stripe

    private static func reserve(_ reservation: Reservation, _ source: EventSource, _ state: inout NumberState.Fields,
                                _ consequences: inout Consequences) -> EventOutcome {
        if let existing = state.facts.reservation {
            return .ignored(reason: existing == reservation ? IgnoreReason.duplicate : IgnoreReason.alreadyReserved)
        }
        state.facts.reservation = reservation
        _ = state.facts.forward.keepNewest(Stamped(reservation.forward, at: source.stamp))
        // Traffic seen before the plan was known is billed now, so a month's billed total is order-independent.
        for entry in state.facts.usage.entries {
            consequences.usage += overage(before: MonthUsage(), after: entry.usage, month: entry.month, state.facts)
        }
        return .applied
    }

    private static func paymentSucceeded(_ payment: PaymentSucceeded, _ source: EventSource,
                                         _ facts: inout NumberFacts) -> EventOutcome {
        var changed = false
        if !facts.paid {
            facts.paid = true
            changed = true
        }
        if let end = payment.periodEnd, end > (facts.paidThrough ?? .min) {
            facts.paidThrough = end
            changed = true
        }
        if payment.paymentIntentID != nil || payment.chargeID != nil {
            let reference = PaymentReference(paymentIntentID: payment.paymentIntentID, chargeID: payment.chargeID)
            changed = facts.payment.keepOldest(Stamped(reference, at: source.billingStamp)) == .replaced || changed
        }
        let merged = billing(.good, payment.subscriptionID, source, &facts)
        return changed ? .applied : merged
    }

    private static func subscriptionStatus(_ status: String, _ subscriptionID: String?, _ source: EventSource,
                                           _ facts: inout NumberFacts) -> EventOutcome {
        switch status {
        case "active", "trialing":
            return billing(.good, subscriptionID, source, &facts)
        case "past_due", "unpaid", "paused":
            return billing(.delinquent(reason: "subscription_" + status), subscriptionID, source, &facts)
        case "canceled", "incomplete_expired":
            if let subscriptionID { _ = facts.subscription.keepNewest(Stamped(subscriptionID, at: source.billingStamp)) }
            return cancel(status == "canceled" ? .subscriptionCanceled : .subscriptionIncompleteExpired, source, &facts)
        case "incomplete":
            return .ignored(reason: IgnoreReason.subscriptionIncomplete)
        default:
            return .ignored(reason: IgnoreReason.unknownSubscriptionStatus)
        }
    }

    /// The billing fact is the newest by (Stripe `created`, event id); older ones are stale.
    private static func billing(_ standing: BillingStanding, _ subscriptionID: String?, _ source: EventSource,
                                _ facts: inout NumberFacts) -> EventOutcome {
        if let subscriptionID {
            _ = facts.subscription.keepNewest(Stamped(subscriptionID, at: source.billingStamp))
        }
        return outcome(facts.billing.keepNewest(Stamped(standing, at: source.billingStamp)))
    }

    /// Cancellations are terminal and never stale: each reason keeps its earliest occurrence.
    private static func cancel(_ reason: CancellationReason, _ source: EventSource,
                               _ facts: inout NumberFacts) -> EventOutcome {
        let stamp = source.stamp
        if let existing = facts.cancellations[reason] {
            if existing == stamp { return .ignored(reason: IgnoreReason.duplicate) }
            if existing < stamp { return .applied }
        }
        facts.cancellations[reason] = stamp
        return .applied
    }

    private static func fail(_ failure: ProvisioningFailure, _ source: EventSource,
                             _ facts: inout NumberFacts) -> EventOutcome {
        let merged = facts.provisioningFailure.keepOldest(Stamped(failure, at: source.stamp))
        return merged == .superseded ? .ignored(reason: IgnoreReason.alreadyFailed) : outcome(merged)
    }

    private static func notify(_ notification: CustomerNotification, _ facts: NumberFacts,
                               _ consequences: inout Consequences) -> EventOutcome {
        guard !facts.isCancelled else { return .ignored(reason: IgnoreReason.cancelled) }
        consequences.notifications.append(notification)
        return .applied
    }

    static func outcome(_ merge: FactMerge) -> EventOutcome {
        switch merge {
        case .replaced: .applied
        case .duplicate: .ignored(reason: IgnoreReason.duplicate)
        case .superseded: .ignored(reason: IgnoreReason.stale)
        }
    }
}
