/// Where an event sits in the journal. The record time stamps `updated_at`; the sequence guards replay.
public struct JournalPosition: Sendable, Hashable {
    public var sequence: UInt64
    public var recordTime: UnixSeconds

    public init(sequence: UInt64, recordTime: UnixSeconds) {
        self.sequence = sequence
        self.recordTime = recordTime
    }
}

/// The pure lifecycle of one number: `(NumberState, DomainEvent) -> (NumberState, [Effect])`.
/// No clock, no I/O: time comes from the event, identity from the journal position.
public enum NumberLifecycle {
    /// Applies one journaled event. Every event with a sequence above `state.appliedSequence` bumps `version`
    /// (ignored ones too) and is recorded in the history; an already-applied sequence returns the state unchanged
    /// and no effects, so replaying a journal tail over a snapshot is harmless.
    /// The returned effects are also appended to `outbox`.
    public static func transition(_ state: NumberState, _ event: DomainEvent,
                                  at position: JournalPosition) -> (NumberState, [Effect]) {
        guard position.sequence > state.appliedSequence else { return (state, []) }
        var next = state
        next.version += 1
        next.appliedSequence = position.sequence
        next.updatedAt = position.recordTime

        let before = derive(state.facts)
        var consequences = Consequences()
        let outcome: EventOutcome
        if event.numberID == state.id {
            outcome = applyFacts(event, to: &next, consequences: &consequences)
        } else {
            outcome = .ignored(reason: IgnoreReason.wrongNumber)
        }
        let after = derive(next.facts)

        var actions = lifecycleActions(&next)
        actions += consequences.usage
        if let sms = consequences.forwardSMS, after.state == .active, sms.forward.hasTarget {
            actions.append(.forwardSMS(smsID: sms.id, from: sms.message.from, to: sms.message.to,
                                       text: sms.message.text, forward: sms.forward))
        }
        var notifications = consequences.notifications
        if after.state != before.state {
            notifications.insert(.stateChanged(state: after.state, reason: after.reason), at: 0)
        }
        for notification in notifications {
            actions.append(.notifyCustomer(customer: next.customer, forward: next.forward, notification: notification))
        }

        var effects: [Effect] = []
        effects.reserveCapacity(actions.count)
        for (index, action) in actions.enumerated() {
            let id = EffectID(numberID: state.id, version: next.version, index: UInt32(index))
            effects.append(Effect(id: id, action: action))
        }
        next.outbox += effects.map { OutboxEntry(effect: $0) }
        next.history.record(EventHistoryEntry(
            version: next.version, sequence: position.sequence, time: event.source.time,
            kind: event.payload.kindName, eventID: event.source.eventID, outcome: outcome))
        return (next, effects)
    }

    /// Derived `state` and `state_reason`, first rule that applies (DESIGN.md §The lifecycle).
    public static func derive(_ facts: NumberFacts) -> LifecycleStatus {
        if let cancellation = facts.cancellation {
            return LifecycleStatus(.cancelled, reason: cancellation.value.rawValue)
        }
        if let failure = facts.provisioningFailure, !facts.isLive {
            return LifecycleStatus(.failed, reason: failure.value.kind.rawValue)
        }
        if !facts.paid { return LifecycleStatus(.pending) }
        if facts.orderID == nil { return LifecycleStatus(.paid) }
        if !facts.isLive { return LifecycleStatus(.provisioning) }
        if let reason = suspensionReason(facts) { return LifecycleStatus(.suspended, reason: reason) }
        return LifecycleStatus(.active)
    }

    /// Delinquencies of a live number, by priority.
    static func suspensionReason(_ facts: NumberFacts) -> String? {
        if facts.operatorHold?.value.held == true { return "operator_hold" }
        if facts.providerBlock?.value == true { return "provider_blocked" }
        if !facts.openDisputes.isEmpty { return "dispute" }
        if case .delinquent(let reason)? = facts.billing?.value { return reason }
        if facts.limitReached { return "limit_reached" }
        return nil
    }
}

/// Reasons recorded with ignored events.
public enum IgnoreReason {
    /// A billing event older (by Stripe `created`, then event id) than the billing fact already held,
    /// or a block/hold/forwarding change older than the one held.
    public static let stale = "stale"
    /// The same provider event (or traffic id) was already applied; facts are unchanged.
    public static let duplicate = "duplicate"
    /// A reservation with another body for an already reserved number.
    public static let alreadyReserved = "already_reserved"
    /// `customer.subscription.*` with status `incomplete`, which says nothing.
    public static let subscriptionIncomplete = "subscription_incomplete"
    public static let unknownSubscriptionStatus = "unknown_subscription_status"
    /// `checkout.session.expired` when a payment is already known: the customer paid another way.
    public static let paymentKnown = "payment_known"
    /// `charge.refunded` for less than the whole amount.
    public static let partialRefund = "partial_refund"
    /// `charge.dispute.created` with a `warning_*` status (an inquiry, not a dispute).
    public static let disputeInquiry = "dispute_inquiry"
    /// A CDR with `is_last_cdr: false`; the call counts with its last CDR.
    public static let notLastCDR = "not_last_cdr"
    /// Traffic for a month older than the usage ledger keeps.
    public static let usageMonthClosed = "usage_month_closed"
    /// A second ProvisioningStarted with another order id.
    public static let orderExists = "order_exists"
    /// A second OrderCompleted with another order or DID.
    public static let alreadyLive = "already_live"
    /// A second ProvisioningFailed/OrderCanceled: the number already failed.
    public static let alreadyFailed = "already_failed"
    /// A customer notification event on a cancelled number.
    public static let cancelled = "cancelled"
    /// EffectCompleted/EffectFailed for an effect not in the outbox (already settled, or never emitted).
    public static let unknownEffect = "unknown_effect"
    /// An event routed to a state with another number id.
    public static let wrongNumber = "wrong_number"
}

/// What an event asks for besides lifecycle effects, collected while applying its facts.
struct Consequences {
    struct PendingSMS {
        var id: String
        var message: InboundSMS
        var forward: Forwarding
    }

    var usage: [EffectAction] = []
    var notifications: [CustomerNotification] = []
    var forwardSMS: PendingSMS?
}
