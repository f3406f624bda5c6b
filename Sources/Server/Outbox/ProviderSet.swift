import NumberActors

/// The provider clients the service has, and the executors they make possible. An effect kind whose
/// providers are missing gets no executor: its effects stay pending in the outboxes (counted in
/// `/admin/status`) until a restart with the provider configured runs them.
struct ProviderSet: Sendable {
    var didww: (any DIDWWProvisioning)?
    var stripe: (any StripeBilling)?
    var mailer: (any Mailer)?
    var webhooks: (any WebhookDelivery)?
    var sms: (any SMSSender)?

    init(didww: (any DIDWWProvisioning)? = nil, stripe: (any StripeBilling)? = nil, mailer: (any Mailer)? = nil,
         webhooks: (any WebhookDelivery)? = nil, sms: (any SMSSender)? = nil) {
        self.didww = didww
        self.stripe = stripe
        self.mailer = mailer
        self.webhooks = webhooks
        self.sms = sms
    }

    /// Executors by `EffectAction.kindName`. Customer messages need every channel a forwarding may name
    /// (email, webhook, SMS), so they run only when all three are configured.
    func executors(webhookSecrets: CustomerWebhookSecret) -> [String: any EffectExecutor] {
        var executors: [String: any EffectExecutor] = [:]
        if let didww {
            executors["provision_number"] = ProvisionNumberExecutor(didww: didww)
            executors["assign_routing"] = AssignRoutingExecutor(didww: didww)
            executors["release_number"] = ReleaseNumberExecutor(didww: didww)
            executors["cancel_order"] = CancelOrderExecutor(didww: didww)
        }
        if let stripe {
            executors["refund_payment"] = RefundPaymentExecutor(stripe: stripe)
            executors["report_usage"] = ReportUsageExecutor(stripe: stripe)
        }
        if let mailer, let webhooks, let sms {
            let delivery = CustomerDelivery(mailer: mailer, webhooks: webhooks, sms: sms, secrets: webhookSecrets)
            executors["forward_sms"] = ForwardSMSExecutor(delivery: delivery)
            executors["notify_customer"] = NotifyCustomerExecutor(delivery: delivery)
        }
        return executors
    }

    /// One line per missing provider, naming the effect kinds that wait for it; empty when all are there.
    var missing: [String] {
        var lines: [String] = []
        if didww == nil { lines.append("DIDWW API: provision_number, assign_routing, release_number, cancel_order") }
        if stripe == nil { lines.append("Stripe API: refund_payment, report_usage") }
        var channels: [String] = []
        if mailer == nil { channels.append("email") }
        if webhooks == nil { channels.append("customer webhooks") }
        if sms == nil { channels.append("DIDWW SMS") }
        if !channels.isEmpty { lines.append(channels.joined(separator: ", ") + ": forward_sms, notify_customer") }
        return lines
    }
}
