import NumberActors

/// The number as CONTRACT.md §Numbers shows it: the same shape from `GET /api/numbers/{id}`, the list,
/// and every Server-Sent Event. Fields without a value are `null`, never left out.
enum NumberJSON {
    /// `webhookSecret` is given only in answers to a request that set a webhook URL (CONTRACT.md §Numbers).
    static func render(_ state: NumberState, webhookSecret: String? = nil) -> String {
        var json = JSONObject()
        json.set("id", state.id)
        json.set("e164", state.e164)
        json.set("customer", state.customer)
        json.set("state", state.state.rawValue)
        json.set("state_reason", state.stateReason)
        var stripe = JSONObject()
        stripe.set("subscription", state.stripeSubscription)
        stripe.set("paid_through", state.paidThrough.map { Int64($0) })
        json.setRaw("stripe", stripe.string)
        var didww = JSONObject()
        didww.set("sku_id", state.didwwSKU)
        didww.set("order_id", state.didwwOrderID)
        didww.set("did_id", state.didwwDIDID.flatMap { $0.isEmpty ? nil : $0 })  // an order callback carries no DID id
        json.setRaw("didww", didww.string)
        json.setRaw("usage", usage(state))
        json.setRaw("plan", plan(state.plan))
        json.setRaw("forward", forward(state.forward, webhookSecret: webhookSecret))
        json.set("version", state.version)
        json.set("updated_at", state.updatedAtISO8601)
        return json.string
    }

    static func usage(_ state: NumberState) -> String {
        guard let (month, counts) = state.usage else { return "null" }
        var json = JSONObject()
        json.set("month", month.description)
        json.set("calls", counts.calls)
        json.set("call_seconds", counts.callSeconds)
        json.set("sms_in", counts.smsIn)
        json.set("voicemails", counts.voicemails)
        return json.string
    }

    static func plan(_ plan: Plan?) -> String {
        guard let plan else { return "null" }
        var json = JSONObject()
        json.set("included_call_seconds", plan.includedCallSeconds)
        json.set("included_sms", plan.includedSMS)
        json.set("overage", plan.overage.rawValue)
        return json.string
    }

    /// `webhook_secret` appears only in answers to the request that set a webhook URL.
    static func forward(_ forward: Forwarding, webhookSecret: String?) -> String {
        var json = JSONObject()
        json.set("email", forward.email)
        json.set("webhook_url", forward.webhookURL)
        json.set("phone", forward.phone)
        if let webhookSecret { json.set("webhook_secret", webhookSecret) }
        return json.string
    }
}
