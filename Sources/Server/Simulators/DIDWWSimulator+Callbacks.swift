/// Order completion and the signed order callbacks of the DIDWW simulator.
extension DIDWWSimulator {
    /// After `callbackDelay`, completes (creating the DIDs) or cancels a still-pending order, then calls back.
    func scheduleCompletion(orderID: String, cancel: Bool) {
        let delay = configuration.callbackDelay
        Task { [self] in
            try? await Task.sleep(for: delay)
            let (order, did) = finish(orderID: orderID, cancel: cancel)
            if let order { sendCallback(for: order, did: did) }
        }
    }

    private func finish(orderID: String, cancel: Bool) -> (Order?, DID?) {
        state.withLock { state -> (Order?, DID?) in
            guard let index = state.orders.firstIndex(where: { $0.id == orderID }), state.orders[index].status == "pending" else {
                return (nil, nil)
            }
            if cancel {
                state.orders[index].status = "canceled"
                return (state.orders[index], nil)
            }
            state.orders[index].status = "completed"
            let order = state.orders[index]
            var first: DID?
            for position in 0..<max(1, order.quantity) {
                let number: String
                if position == 0, let available = order.availableDIDID, let known = state.availableNumbers[available] {
                    number = known.hasPrefix("+") ? String(known.dropFirst()) : known
                } else {
                    state.nextNumber += 1
                    let digits = String(state.nextNumber)
                    number = "1555" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
                }
                let did = DID(id: Simulator.uuid(), number: number, orderID: order.id, blocked: false, terminated: false,
                              expiresAt: Simulator.nowSeconds() + 30 * 86_400, voiceInTrunkID: nil)
                state.dids.append(did)
                if first == nil { first = did }
            }
            return (order, first)
        }
    }

    /// Sends `id`, `type=orders`, `status` (and `did_id`, `did_number` on completion), signed like DIDWW
    /// (HMAC-SHA1 over the URL and the sorted pairs), as a form POST or as a GET query.
    func sendCallback(for order: Order, did: DID?) {
        guard let url = order.callbackURL else { return }
        var pairs = [DIDWWPair("id", order.id), DIDWWPair("type", "orders"), DIDWWPair("status", order.status)]
        if let did { pairs += [DIDWWPair("did_id", did.id), DIDWWPair("did_number", did.number)] }
        let form = FormEncoding.encode(pairs.map { (String(decoding: $0.key, as: UTF8.self), String(decoding: $0.value, as: UTF8.self)) })
        let isGet = order.callbackMethod.lowercased() == "get"
        let target = isGet ? url + (url.contains("?") ? "&" : "?") + form : url
        guard let signature = DIDWWSignature.signature(secret: configuration.callbackSecret, url: target, pairs: pairs) else { return }
        var headers = [HTTPField(name: "X-DIDWW-Signature", value: signature)]
        if !isGet { headers.append(HTTPField(name: "Content-Type", value: "application/x-www-form-urlencoded")) }
        let request = HTTPClientRequest(method: isGet ? "GET" : "POST", url: target, headers: headers,
                                        body: isGet ? [] : Array(form.utf8))
        let attempts = configuration.callbackAttempts
        Task { [self] in
            for attempt in 1...max(1, attempts) {
                let status = try? await callbackClient.execute(request).status
                let record = Callback(url: target, method: request.method, pairs: pairs, signature: signature, responseStatus: status)
                state.withLock { $0.callbacks.append(record) }
                if let status, (200..<300).contains(status) { return }
                try? await Task.sleep(for: .milliseconds(100 * attempt))
            }
        }
    }
}
