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
    public static func transition(_ state: consuming NumberState, _ event: DomainEvent,
                                  at position: JournalPosition) -> (NumberState, [Effect]) {
        // `state` is owned here: a caller that passes its last use (`transition(consume s, ...)`) hands over the
        // only reference, and the number's buffers are then mutated in place instead of copied.
        var next = consume state
        guard position.sequence > next.appliedSequence else { return (next, []) }
        let effects = apply(event, at: position, to: &next.fields)
        return (next, effects)
    }

    /// `transition`, in place on the number's (uniquely owned) fields.
    static func apply(_ event: DomainEvent, at position: JournalPosition, to next: inout NumberState.Fields) -> [Effect] {
        let before = status(of: &next).state
        next.version += 1
        next.appliedSequence = position.sequence
        next.updatedAt = position.recordTime

        var consequences = Consequences()
        let outcome: EventOutcome
        if event.numberID == next.id {
            outcome = applyFacts(event, to: &next, consequences: &consequences)
        } else {
            outcome = .ignored(reason: IgnoreReason.wrongNumber)
        }
        let after = status(of: &next)

        var actions = lifecycleActions(&next)
        if !consequences.usage.isEmpty { actions += consequences.usage }
        if let sms = consequences.forwardSMS, after.state == .active, sms.forward.hasTarget {
            actions.append(.forwardSMS(smsID: sms.id, from: sms.message.from, to: sms.message.to,
                                       text: sms.message.text, forward: sms.forward))
        }
        if after.state != before || !consequences.notifications.isEmpty {
            var notifications = consequences.notifications
            if after.state != before {
                notifications.insert(.stateChanged(state: after.state, reason: after.reason), at: 0)
            }
            let customer = next.customer
            let forward = next.forward
            for notification in notifications {
                actions.append(.notifyCustomer(customer: customer, forward: forward, notification: notification))
            }
        }

        var effects: [Effect] = []
        if !actions.isEmpty {
            effects.reserveCapacity(actions.count)
            next.outbox.reserveCapacity(next.outbox.count + actions.count)
            for (index, action) in actions.enumerated() {
                let effect = Effect(id: EffectID(numberID: next.id, version: next.version, index: UInt32(index)),
                                    action: action)
                effects.append(effect)
                next.outbox.append(OutboxEntry(effect: effect))
            }
        }
        next.history.record(CompactEventEntry(
            version: next.version, sequence: position.sequence, time: event.source.time,
            kind: event.payload.kindCode, eventID: event.source.eventID, outcome: outcome))
        return effects
    }

    /// Derived `state` and `state_reason`, first rule that applies (DESIGN.md §The lifecycle).
    public static func derive(_ facts: NumberFacts) -> LifecycleStatus { facts.derivedStatus }

    /// `derive(fields.facts)`, reading the facts in place (passing them by value copies all 600 bytes).
    @inline(__always)
    static func status(of fields: inout NumberState.Fields) -> LifecycleStatus {
        // Most numbers have none of the rare facts: one test skips all their checks.
        let rare = fields.facts.hasRareFacts
        if rare, let cancellation = fields.facts.cancellation {
            return LifecycleStatus(.cancelled, reason: cancellation.value.rawValue)
        }
        let failure = rare ? fields.facts.provisioningFailure : nil
        let live = fields.facts.completedOrder.isSome && !failure.isSome
        if let failure, !live {
            return LifecycleStatus(.failed, reason: failure.value.kind.rawValue)
        }
        if !fields.facts.paid { return LifecycleStatus(.pending) }
        if !fields.facts.completedOrder.isSome && !fields.facts.startedOrder.isSome { return LifecycleStatus(.paid) }
        if !live { return LifecycleStatus(.provisioning) }
        if rare {
            if let hold = fields.facts.operatorHold, hold.value.held {
                return LifecycleStatus(.suspended, reason: "operator_hold")
            }
            if let block = fields.facts.providerBlock, block.value {
                return LifecycleStatus(.suspended, reason: "provider_blocked")
            }
            if fields.facts.hasOpenDispute { return LifecycleStatus(.suspended, reason: "dispute") }
        }
        if fields.facts.billing.isSome, case .delinquent(let reason) = fields.facts.billing!.value {
            return LifecycleStatus(.suspended, reason: reason)
        }
        if fields.facts.reservation.isSome, let plan = fields.facts.reservation!.plan, plan.overage == .block,
           let latest = fields.facts.usage.latestUsage,
           latest.callSeconds > plan.includedCallSeconds || latest.smsIn > plan.includedSMS {
            return LifecycleStatus(.suspended, reason: "limit_reached")
        }
        return LifecycleStatus(.active)
    }

    /// Delinquencies of a live number, by priority.
    @inline(__always)
    static func suspensionReason(_ facts: NumberFacts) -> String? {
        if facts.operatorHold?.value.held == true { return "operator_hold" }
        if facts.providerBlock?.value == true { return "provider_blocked" }
        if facts.hasOpenDispute { return "dispute" }
        if facts.billing.isSome, case .delinquent(let reason) = facts.billing!.value { return reason }
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
    /// An unreadable provider record assigned to a number by an operator: nothing in it can be applied.
    public static let unreadable = "unreadable"
    /// An event routed to a state with another number id.
    public static let wrongNumber = "wrong_number"

    /// Every reason, in a fixed order: the history stores a reason as its index + 1.
    static let all: [String] = [
        stale, duplicate, alreadyReserved, subscriptionIncomplete, unknownSubscriptionStatus, paymentKnown,
        partialRefund, disputeInquiry, notLastCDR, usageMonthClosed, orderExists, alreadyLive, alreadyFailed,
        cancelled, unknownEffect, wrongNumber,
    ]

    /// UTF-8 of `all`, for decoding without allocating.
    static let table = NameTable(all)

    static func code(_ reason: String) -> UInt8? {
        all.firstIndex(of: reason).map { UInt8($0 + 1) }
    }
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
