import NumberActors

/// An outbox entry as `/admin/effects` shows it.
enum EffectJSON {
    static func render(_ entry: OutboxEntry) -> String {
        var json = JSONObject()
        json.set("id", entry.effect.id.text)
        json.set("number", entry.effect.id.numberID)
        json.set("kind", entry.effect.action.kindName)
        switch entry.status {
        case .pending:
            json.set("status", "pending")
            json.set("details", nil as String?)
        case .failed(let details):
            json.set("status", "failed")
            json.set("details", details)
        }
        json.setRaw("action", action(entry.effect.action))
        return json.string
    }

    /// `<number id>:<version>:<index>`, read from the right (a number id may itself contain `:`).
    static func parseID(_ text: String) -> EffectID? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let index = UInt32(parts[parts.count - 1]), let version = UInt64(parts[parts.count - 2]) else { return nil }
        let number = parts.dropLast(2).joined(separator: ":")
        guard !number.isEmpty else { return nil }
        return EffectID(numberID: number, version: version, index: index)
    }

    static func action(_ action: EffectAction) -> String {
        var json = JSONObject()
        switch action {
        case .provisionNumber(let sku, let available, let e164):
            json.set("sku_id", sku)
            json.set("available_did_id", available)
            json.set("e164", e164)
        case .assignRouting(let did), .releaseNumber(let did):
            json.set("did_id", did)
        case .cancelOrder(let order):
            json.set("order_id", order)
        case .refundPayment(let intent, let charge):
            json.set("payment_intent", intent)
            json.set("charge", charge)
        case .forwardSMS(let sms, let from, let to, _, let forward):
            json.set("sms_id", sms)
            json.set("from", from)
            json.set("to", to)
            json.setRaw("forward", NumberJSON.forward(forward, webhookSecret: nil))
        case .notifyCustomer(let customer, _, let notification):
            json.set("customer", customer)
            json.set("notification", notificationName(notification))
        case .reportUsage(let customer, let subscription, let month, let meter, let quantity):
            json.set("customer", customer)
            json.set("subscription", subscription)
            json.set("month", month.description)
            json.set("meter", meter == .callSeconds ? "call_seconds" : "sms")
            json.set("quantity", quantity)
        }
        return json.string
    }

    static func notificationName(_ notification: CustomerNotification) -> String {
        switch notification {
        case .stateChanged(let state, _): return "state_changed:" + state.rawValue
        case .voicemail: return "voicemail"
        case .paymentActionRequired: return "payment_action_required"
        case .trialWillEnd: return "trial_will_end"
        }
    }
}
