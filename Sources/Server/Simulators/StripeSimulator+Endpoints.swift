/// The endpoints of the Stripe simulator.
extension StripeSimulator {
    func meterEvent(_ form: QueryParameters) -> HTTPResponse {
        guard let name = form.first("event_name"), !name.isEmpty else { return missing("event_name") }
        guard let customer = form.first("payload[stripe_customer_id]"), !customer.isEmpty else { return missing("payload[stripe_customer_id]") }
        guard let value = form.first("payload[value]"), Double(value) != nil else { return missing("payload[value]") }
        let identifier = form.first("identifier") ?? Simulator.uuid()
        let timestamp = form.first("timestamp").flatMap { Int64($0) } ?? Simulator.nowSeconds()
        let candidate = MeterEvent(eventName: name, customerID: customer, value: value, identifier: identifier, timestamp: timestamp)
        let event = state.withLock { state -> MeterEvent in
            if let existing = state.meterEvents.first(where: { $0.identifier == identifier }) { return existing }
            state.meterEvents.append(candidate)
            return candidate
        }
        var payload = JSONObject()
        payload.set("stripe_customer_id", event.customerID)
        payload.set("value", event.value)
        var body = JSONObject()
        body.set("object", "billing.meter_event")
        body.set("created", Simulator.nowSeconds())
        body.set("event_name", event.eventName)
        body.set("identifier", event.identifier)
        body.set("livemode", false)
        body.setRaw("payload", payload.string)
        body.set("timestamp", event.timestamp)
        return Simulator.json(200, body.string)
    }

    func refund(_ request: HTTPRequest) -> HTTPResponse {
        let key = request.headers["Idempotency-Key"]
        if let key, let stored = state.withLock({ $0.idempotency[key] }) {
            guard stored.parameters == request.body else {
                return Self.error(400, type: "idempotency_error", code: nil,
                                  message: "Keys for idempotent requests can only be used with the same parameters they were first used with.")
            }
            var replay = Simulator.json(stored.status, stored.body)
            replay.headers.append(HTTPField(name: "Idempotent-Replayed", value: "true"))
            return replay
        }
        let response = createRefund(QueryParameters(bytes: request.body), idempotencyKey: key)
        if let key {
            let answer = StoredAnswer(parameters: request.body, status: response.status, body: String(decoding: response.body, as: UTF8.self))
            state.withLock { $0.idempotency[key] = answer }
        }
        return response
    }

    private func createRefund(_ form: QueryParameters, idempotencyKey: String?) -> HTTPResponse {
        let paymentIntent = form.first("payment_intent")
        let charge = form.first("charge")
        guard let payment = paymentIntent ?? charge else {
            return Self.error(400, type: "invalid_request_error", code: "parameter_missing",
                              message: "One of the following parameters is required: charge, payment_intent.")
        }
        guard payment.hasPrefix("pi_") || payment.hasPrefix("ch_") else {
            return Self.error(400, type: "invalid_request_error", code: "resource_missing", message: "No such payment: '\(payment)'",
                              param: paymentIntent == nil ? "charge" : "payment_intent")
        }
        let requested = form.first("amount").flatMap { Int($0) }
        let outcome = state.withLock { state -> Result<Refund, RefundRefusal> in
            let total = state.paymentAmounts[payment] ?? 1000
            let left = total - state.refunded[payment, default: 0]
            guard left > 0 else { return .failure(.alreadyRefunded) }
            let amount = requested ?? left
            guard amount > 0, amount <= left else { return .failure(.amountTooLarge) }
            state.refunded[payment, default: 0] += amount
            let refund = Refund(id: "re_" + Simulator.token(24), paymentIntent: paymentIntent, charge: charge, amount: amount,
                                idempotencyKey: idempotencyKey)
            state.refunds.append(refund)
            return .success(refund)
        }
        switch outcome {
        case .failure(.alreadyRefunded):
            return Self.error(400, type: "invalid_request_error", code: "charge_already_refunded", message: "Charge \(payment) has already been refunded.")
        case .failure(.amountTooLarge):
            return Self.error(400, type: "invalid_request_error", code: "amount_too_large", message: "Refund amount is greater than what is left.", param: "amount")
        case .success(let refund):
            var body = JSONObject()
            body.set("id", refund.id)
            body.set("object", "refund")
            body.set("amount", refund.amount)
            body.set("charge", refund.charge)
            body.set("payment_intent", refund.paymentIntent)
            body.set("currency", "usd")
            body.set("created", Simulator.nowSeconds())
            body.set("status", "succeeded")
            return Simulator.json(200, body.string)
        }
    }

    enum RefundRefusal: Error {
        case alreadyRefunded
        case amountTooLarge
    }

    /// Newest first (by `created`, later additions first on ties), `limit` 1...100 (default 10).
    func listEvents(_ query: QueryParameters) -> HTTPResponse {
        let limit = min(100, max(1, Int(query.first("limit") ?? "") ?? 10))
        let delivery = query.first("delivery_success").map { $0 == "true" }
        let ordered = state.withLock { $0.events }.enumerated()
            .sorted { ($0.element.created, $0.offset) > ($1.element.created, $1.offset) }.map(\.element)
            .filter { delivery == nil || $0.deliverySuccess == delivery }
        var start = 0
        if let after = query.first("starting_after") {
            guard let index = ordered.firstIndex(where: { $0.id == after }) else {
                return Self.error(400, type: "invalid_request_error", code: "resource_missing", message: "No such event: '\(after)'", param: "starting_after")
            }
            start = index + 1
        }
        let page = ordered.dropFirst(start).prefix(limit)
        let hasMore = start + page.count < ordered.count
        return Simulator.json(200, "{\"object\":\"list\",\"url\":\"/v1/events\",\"has_more\":\(hasMore),\"data\":[\(page.map(\.json).joined(separator: ","))]}")
    }

    private func missing(_ parameter: String) -> HTTPResponse {
        Self.error(400, type: "invalid_request_error", code: "parameter_missing", message: "Missing required param: \(parameter).", param: parameter)
    }
}
