import NumberActors

/// What the customer receives, per channel: an email, a webhook body (JSON, `{"type", "number", "data"}`),
/// a short SMS. One rendering per effect, the same on every attempt.
struct CustomerMessage: Sendable, Equatable {
    var subject: String
    var text: String
    var webhookType: String
    /// The `data` object of the webhook body.
    var webhookData: String

    func webhookBody(numberID: String, effectID: String, time: Int64) -> [UInt8] {
        var json = JSONObject()
        json.set("id", effectID)
        json.set("type", webhookType)
        json.set("number", numberID)
        json.set("time", time)
        json.setRaw("data", webhookData)
        return Array(json.string.utf8)
    }

    static func sms(id: String, from: String, to: String, text: String) -> CustomerMessage {
        var data = JSONObject()
        data.set("id", id)
        data.set("from", from)
        data.set("to", to)
        data.set("text", text)
        return CustomerMessage(subject: "SMS from \(from) to \(to)", text: "SMS from \(from): \(text)",
                               webhookType: "sms.received", webhookData: data.string)
    }

    static func notification(_ notification: CustomerNotification, e164: String?) -> CustomerMessage {
        let number = e164 ?? "your number"
        var data = JSONObject()
        switch notification {
        case .stateChanged(let state, let reason):
            data.set("state", state.rawValue)
            data.set("reason", reason)
            let why = reason.map { " (\($0))" } ?? ""
            return CustomerMessage(subject: "\(number) is now \(state.rawValue)", text: "\(number) is now \(state.rawValue)\(why).",
                                   webhookType: "number.state_changed", webhookData: data.string)
        case .voicemail(let id, let from, let seconds, let url):
            data.set("id", id)
            data.set("from", from)
            data.set("seconds", seconds)
            data.set("recording_url", url)
            return CustomerMessage(subject: "Voicemail from \(from) on \(number)",
                                   text: "Voicemail from \(from) on \(number), \(seconds) s: \(url)",
                                   webhookType: "voicemail.received", webhookData: data.string)
        case .paymentActionRequired(let url):
            data.set("hosted_invoice_url", url)
            return CustomerMessage(subject: "Action needed to pay for \(number)",
                                   text: "Your payment for \(number) needs your action" + (url.map { ": \($0)" } ?? "."),
                                   webhookType: "invoice.payment_action_required", webhookData: data.string)
        case .trialWillEnd(let end):
            data.set("trial_end", end)
            return CustomerMessage(subject: "The trial of \(number) ends soon",
                                   text: "The trial of \(number) ends " + (end.map { "on \(CivilDate.iso8601($0))." } ?? "soon."),
                                   webhookType: "subscription.trial_will_end", webhookData: data.string)
        }
    }
}
