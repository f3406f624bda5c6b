import NumberActors

/// `POST /api/numbers`: `{"id"?, "e164", "customer", "didww": {"sku_id", "available_did_id"?},
/// "plan"?: {"included_call_seconds", "included_sms", "overage"}, "forward"?: {"email"?, "webhook_url"?, "phone"?}}`.
///
/// Two requests are "the same body" when they parse to the same reservation: key order, whitespace, escapes
/// and an explicit `null` versus an absent optional field make no difference; any difference in e164,
/// customer, didww, plan or forward does.
struct NumberReservationRequest: Sendable, Equatable {
    /// Nil when the client let the server choose.
    var id: String?
    var reservation: Reservation

    static let fields: Set<String> = ["id", "e164", "customer", "didww", "plan", "forward"]

    static func parse(_ body: [UInt8]) throws(RequestError) -> NumberReservationRequest {
        let object = try RequestObject.parse(body)
        try object.requireOnly(fields)
        let id = try object.string("id")
        if let id, !FieldRules.isNumberID(id) {
            throw .field("id", "must be num_ followed by 1 to 60 letters, digits, _ or -")
        }
        let e164 = try object.requiredString("e164")
        guard FieldRules.isE164(e164) else { throw .field("e164", "must be + followed by 8 to 15 digits (E.164)") }
        let customer = try object.requiredString("customer")
        guard FieldRules.isPlainText(customer) else { throw .field("customer", "must be a non-empty string of at most 255 bytes") }
        guard let didww = try object.object("didww") else { throw .field("didww", "is required") }
        try didww.requireOnly(["sku_id", "available_did_id"])
        let sku = try didww.requiredString("sku_id")
        guard FieldRules.isPlainText(sku) else { throw .field("didww.sku_id", "must be a non-empty string of at most 255 bytes") }
        let available = try didww.string("available_did_id")
        if let available, !FieldRules.isPlainText(available) {
            throw .field("didww.available_did_id", "must be a non-empty string of at most 255 bytes")
        }
        let plan = try object.object("plan").map { (plan) throws(RequestError) in try parsePlan(plan) }
        let forward = try object.object("forward").map { (forward) throws(RequestError) in
            try ForwardingRequest.parseComplete(forward)
        } ?? Forwarding()
        let reservation = Reservation(e164: e164, customer: customer, skuID: sku, availableDIDID: available,
                                      plan: plan, forward: forward)
        return NumberReservationRequest(id: id, reservation: reservation)
    }

    static func parsePlan(_ plan: RequestObject) throws(RequestError) -> Plan {
        try plan.requireOnly(["included_call_seconds", "included_sms", "overage"])
        let seconds = try plan.requiredInteger("included_call_seconds")
        guard seconds >= 0 else { throw .field("plan.included_call_seconds", "must not be negative") }
        let sms = try plan.requiredInteger("included_sms")
        guard sms >= 0 else { throw .field("plan.included_sms", "must not be negative") }
        let overageText = try plan.requiredString("overage")
        guard let overage = Plan.Overage(rawValue: overageText) else { throw .field("plan.overage", "must be \"bill\" or \"block\"") }
        return Plan(includedCallSeconds: seconds, includedSMS: sms, overage: overage)
    }

    /// The reservation's canonical text: equal for equal reservations, whatever the body's spelling.
    static func canonical(id: String, _ reservation: Reservation) -> String {
        var json = JSONObject()
        json.set("id", id)
        json.set("e164", reservation.e164)
        json.set("customer", reservation.customer)
        json.set("sku_id", reservation.skuID)
        json.set("available_did_id", reservation.availableDIDID)
        json.setRaw("plan", NumberJSON.plan(reservation.plan))
        json.setRaw("forward", NumberJSON.forward(reservation.forward, webhookSecret: nil))
        return json.string
    }
}

/// `PATCH /api/numbers/{id}/forwarding`: `{"email"?, "webhook_url"?, "phone"?}`. A field left out keeps its
/// current value; `null` clears it. At least one field must be given.
struct ForwardingRequest: Sendable, Equatable {
    enum Change: Sendable, Equatable {
        case keep
        case clear
        case set(String)
    }

    var email: Change
    var webhookURL: Change
    var phone: Change

    static let fields: Set<String> = ["email", "webhook_url", "phone"]

    static func parse(_ body: [UInt8]) throws(RequestError) -> ForwardingRequest {
        let object = try RequestObject.parse(body)
        try object.requireOnly(fields)
        guard fields.contains(where: { object.has($0) }) else {
            throw RequestError(field: nil, "The body must set at least one of email, webhook_url, phone (null clears one).")
        }
        let values = try parseComplete(object)
        func change(_ key: String, _ value: String?) -> Change {
            guard object.has(key) else { return .keep }
            return value.map(Change.set) ?? .clear
        }
        return ForwardingRequest(email: change("email", values.email), webhookURL: change("webhook_url", values.webhookURL),
                                 phone: change("phone", values.phone))
    }

    /// The three targets of a `forward` object, each validated (absent and null are nil).
    static func parseComplete(_ object: RequestObject) throws(RequestError) -> Forwarding {
        try object.requireOnly(fields)
        let email = try object.string("email")
        if let email, !FieldRules.isEmail(email) { throw .field(object.name("email"), "must be an email address") }
        let url = try object.string("webhook_url")
        if let url, !FieldRules.isWebhookURL(url) {
            throw .field(object.name("webhook_url"), "must be an absolute http or https URL with a host")
        }
        let phone = try object.string("phone")
        if let phone, !FieldRules.isE164(phone) { throw .field(object.name("phone"), "must be + followed by 8 to 15 digits (E.164)") }
        return Forwarding(email: email, webhookURL: url, phone: phone)
    }

    /// The forwarding after this change.
    func applied(to current: Forwarding) -> Forwarding {
        func merge(_ change: Change, _ value: String?) -> String? {
            switch change {
            case .keep: return value
            case .clear: return nil
            case .set(let new): return new
            }
        }
        return Forwarding(email: merge(email, current.email), webhookURL: merge(webhookURL, current.webhookURL),
                          phone: merge(phone, current.phone))
    }
}
