import NumberActors

/// RefundPayment: refunds the purchase through Stripe when provisioning failed after a payment. Without a
/// payment intent or charge id there is nothing to refund automatically: the effect fails, listed in
/// `/admin/effects` for an operator.
struct RefundPaymentExecutor: EffectExecutor {
    let stripe: any StripeBilling

    func requests(for effect: Effect) -> [EffectProvider] { [.stripe] }

    func execute(_ effect: Effect, context: EffectContext) async -> EffectAttempt {
        guard case .refundPayment(let intent, let charge) = effect.action else { return .failed("not a refund_payment effect") }
        guard intent != nil || charge != nil else { return .failed("no payment id: refund by hand") }
        do {
            let refund = try await stripe.refund(paymentIntentID: intent, chargeID: charge, idempotencyKey: context.idempotencyKey)
            return .completed("refund \(refund)")
        } catch {
            return ProviderError.classify(error).attempt
        }
    }
}

/// ReportUsage: one Stripe billing meter event per effect, its `identifier` the effect id (Stripe drops a
/// repeat), so a retried or re-run report bills once.
struct ReportUsageExecutor: EffectExecutor {
    let stripe: any StripeBilling
    /// Stripe meter event names per meter.
    var callSecondsEvent = "numninja_call_seconds"
    var smsEvent = "numninja_sms"

    func requests(for effect: Effect) -> [EffectProvider] { [.stripe] }

    func execute(_ effect: Effect, context: EffectContext) async -> EffectAttempt {
        guard case .reportUsage(let customer, _, let month, let meter, let quantity) = effect.action else {
            return .failed("not a report_usage effect")
        }
        guard let customer else { return .failed("no Stripe customer: report usage by hand") }
        let name = meter == .callSeconds ? callSecondsEvent : smsEvent
        do {
            try await stripe.createMeterEvent(eventName: name, customerID: customer, value: quantity,
                                              identifier: context.idempotencyKey, timestamp: context.now)
            return .completed("\(name) \(quantity) for \(month)")
        } catch {
            return ProviderError.classify(error).attempt
        }
    }
}
