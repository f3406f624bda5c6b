/// Request routing of the DIDWW simulator.
extension DIDWWSimulator {
    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let path = String(request.path)
        if path == "/_simulator/outcome" && request.method == "POST" { return setOutcome(from: request) }
        if path == "/outbound_messages" && request.method == "POST" { return await sendSMS(request) }
        guard path.hasPrefix("/v3/") else { return Self.error(404, "Not found") }
        let key = request.headers["Api-Key"] ?? ""
        guard limiter.admit(key: key) else {
            return Self.error(429, "Too many requests", headers: [HTTPField(name: "Retry-After", value: "1")])
        }
        guard key == configuration.apiKey else { return Self.error(401, "Unauthorized") }
        if let status = await faults.apply() {
            return Self.error(status, "Simulated failure", headers: Simulator.retryAfterHeaders(status))
        }
        let parts = path.dropFirst(4).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch (request.method, parts.count, parts.first) {
        case ("POST", 1, "orders"): return await createOrder(request)
        case ("GET", 1, "orders"): return listOrders(request)
        case ("GET", 2, "orders"): return showOrder(id: parts[1])
        case ("DELETE", 2, "orders"): return cancelOrder(id: parts[1])
        case ("GET", 1, "dids"): return listDIDs(request)
        case ("GET", 2, "dids"): return showDID(id: parts[1])
        case ("PATCH", 2, "dids"): return updateDID(id: parts[1], request)
        default: return Self.error(404, "Not found")
        }
    }

    // MARK: - Orders

    private func createOrder(_ request: HTTPRequest) async -> HTTPResponse {
        guard let document = try? JSONScanner.parse(request.body),
              let item = document["data.attributes.items[0].attributes"],
              let sku = item["sku_id"]?.string else {
            return Self.error(400, "Invalid request", detail: "items with sku_id are required")
        }
        let attributes = document["data.attributes"]
        let external = attributes?["external_reference_id"]?.string
        let outcome = state.withLock { state -> OrderOutcome in
            state.createRequests += 1
            return state.outcomes[sku] ?? state.defaultOutcome
        }
        switch outcome {
        case .serverError: return Self.error(500, "Internal server error")
        case .insufficientBalance: return Self.error(422, "Unprocessable entity", detail: "Insufficient balance")
        case .slow(let delay): try? await Task.sleep(for: delay)
        case .complete, .cancel, .lateAnswer: break
        }
        let candidate = Order(id: Simulator.uuid(), reference: "SIM-" + Simulator.token(6).uppercased(), status: "pending",
                              skuID: sku, availableDIDID: item["available_did_id"]?.string,
                              quantity: item["qty"]?.int64.map { Int($0) } ?? 1, externalReferenceID: external,
                              callbackURL: attributes?["callback_url"]?.string,
                              callbackMethod: attributes?["callback_method"]?.string ?? "post", createdAt: Simulator.nowSeconds())
        let (order, created) = state.withLock { state -> (Order, Bool) in
            if let external, let existing = state.orders.first(where: { $0.externalReferenceID == external }) {
                return (existing, false)
            }
            state.orders.append(candidate)
            return (candidate, true)
        }
        if created { scheduleCompletion(orderID: order.id, cancel: outcome == .cancel) }
        if case .lateAnswer(let delay) = outcome { try? await Task.sleep(for: delay) }
        return Self.jsonAPI(201, "{\"data\":\(Self.render(order))}")
    }

    private func listOrders(_ request: HTTPRequest) -> HTTPResponse {
        let query = QueryParameters(request.query)
        let external = query.first("filter[external_reference_id]")
        let orders = state.withLock { $0.orders }.filter { external == nil || $0.externalReferenceID == external }
        return Self.jsonAPI(200, "{\"data\":[\(orders.map(Self.render).joined(separator: ","))],\"meta\":{\"total_records\":\(orders.count)}}")
    }

    private func showOrder(id: String) -> HTTPResponse {
        guard let order = state.withLock({ $0.orders.first { $0.id == id } }) else { return Self.error(404, "Not found") }
        return Self.jsonAPI(200, "{\"data\":\(Self.render(order))}")
    }

    private func cancelOrder(id: String) -> HTTPResponse {
        let outcome = state.withLock { state -> Int? in
            guard let index = state.orders.firstIndex(where: { $0.id == id }) else { return 404 }
            switch state.orders[index].status {
            case "pending": state.orders[index].status = "canceled"; return nil
            case "canceled": return 204
            default: return 422
            }
        }
        switch outcome {
        case nil:
            if let order = state.withLock({ $0.orders.first { $0.id == id } }) { sendCallback(for: order, did: nil) }
            return HTTPResponse(status: 204)
        case 204: return HTTPResponse(status: 204)
        case 404: return Self.error(404, "Not found")
        default: return Self.error(422, "Unprocessable entity", detail: "Only pending orders can be cancelled")
        }
    }

    // MARK: - DIDs

    private func listDIDs(_ request: HTTPRequest) -> HTTPResponse {
        let query = QueryParameters(request.query)
        let order = query.first("filter[order.id]")
        let blocked = query.first("filter[blocked]").map { $0 == "true" }
        let terminated = query.first("filter[terminated]").map { $0 == "true" }
        let page = max(1, Int(query.first("page[number]") ?? "") ?? 1)
        let size = min(100, max(1, Int(query.first("page[size]") ?? "") ?? 50))
        let matching = state.withLock { $0.dids }.filter { did in
            (order == nil || did.orderID == order) && (blocked == nil || did.blocked == blocked)
                && (terminated == nil || did.terminated == terminated)
        }
        let slice = matching.dropFirst((page - 1) * size).prefix(size)
        return Self.jsonAPI(200, "{\"data\":[\(slice.map(Self.render).joined(separator: ","))],\"meta\":{\"total_records\":\(matching.count)}}")
    }

    private func showDID(id: String) -> HTTPResponse {
        guard let did = state.withLock({ $0.dids.first { $0.id == id } }) else { return Self.error(404, "Not found") }
        return Self.jsonAPI(200, "{\"data\":\(Self.render(did))}")
    }

    private func updateDID(id: String, _ request: HTTPRequest) -> HTTPResponse {
        guard let document = try? JSONScanner.parse(request.body), document["data.type"]?.string == "dids" else {
            return Self.error(400, "Invalid request", detail: "a dids resource is required")
        }
        let terminated = document["data.attributes.terminated"]?.bool
        let trunk = document["data.relationships.voice_in_trunk.data"]
        let updated = state.withLock { state -> DID? in
            guard let index = state.dids.firstIndex(where: { $0.id == id }) else { return nil }
            if let terminated { state.dids[index].terminated = terminated }
            if let trunk { state.dids[index].voiceInTrunkID = trunk.isNull ? nil : trunk["id"]?.string }
            return state.dids[index]
        }
        guard let updated else { return Self.error(404, "Not found") }
        return Self.jsonAPI(200, "{\"data\":\(Self.render(updated))}")
    }

    // MARK: - Outbound SMS

    private func sendSMS(_ request: HTTPRequest) async -> HTTPResponse {
        let expected = "Basic " + Base64.encode(Array("\(configuration.smsUsername):\(configuration.smsPassword)".utf8))
        guard request.headers["Authorization"] == expected else { return Self.error(401, "Unauthorized") }
        if let status = await faults.apply() {
            return Self.error(status, "Simulated failure", headers: Simulator.retryAfterHeaders(status))
        }
        guard let document = try? JSONScanner.parse(request.body), document["data.type"]?.string == "outbound_messages",
              let destination = document["data.attributes.destination"]?.string, !destination.isEmpty,
              !destination.hasPrefix("+"), let source = document["data.attributes.source"]?.string, !source.isEmpty,
              let content = document["data.attributes.content"]?.string, !content.isEmpty else {
            return Self.error(400, "Bad Request", detail: "Invalid request")
        }
        let sms = SMS(id: Simulator.uuid(), source: source, destination: destination, content: content)
        state.withLock { $0.sms.append(sms) }
        var attributes = JSONObject()
        attributes.set("destination", destination)
        attributes.set("source", source)
        attributes.set("content", content)
        attributes.set("status", "Pending")
        return Self.jsonAPI(202, "{\"data\":{\"id\":\(JSONText.quote(sms.id)),\"type\":\"outbound_messages\",\"attributes\":\(attributes.string)}}")
    }

    // MARK: - Control endpoint

    /// `POST /_simulator/outcome` with form fields `sku_id` (or none for the default), `outcome`, `delay_ms`.
    private func setOutcome(from request: HTTPRequest) -> HTTPResponse {
        let form = QueryParameters(bytes: request.body)
        guard let outcome = OrderOutcome(name: form.first("outcome") ?? "", delayMilliseconds: Int(form.first("delay_ms") ?? "") ?? 0) else {
            return Simulator.json(400, "{\"error\":\"unknown outcome\"}")
        }
        if let sku = form.first("sku_id") { setOutcome(outcome, forSKU: sku) } else { setDefaultOutcome(outcome) }
        return Simulator.json(200, "{\"ok\":true}")
    }
}
