import NumberActors

/// The outbound HTTP and SMTP clients, seen through the small provider protocols the executors use.

/// DIDWW API v3 with the service's voice trunk.
struct DIDWWProvisioningClient: DIDWWProvisioning {
    let client: DIDWWClient
    /// `NUMNINJA_DIDWW_TRUNK_ID`: the voice-in trunk every live DID is pointed at.
    let trunkID: String?

    func findOrder(externalReferenceID: String) async throws -> DIDWWOrder? {
        try await client.findOrder(externalReferenceID: externalReferenceID)
    }

    func createOrder(skuID: String, availableDIDID: String?, callbackURL: String,
                     externalReferenceID: String) async throws -> DIDWWOrder {
        let item = DIDWWOrderItem(skuID: skuID, availableDIDID: availableDIDID, quantity: availableDIDID == nil ? 1 : nil)
        let request = DIDWWOrderRequest(items: [item], callbackURL: callbackURL, callbackMethod: "post",
                                        externalReferenceID: externalReferenceID)
        return try await client.createOrder(request)
    }

    func assignTrunk(didID: String) async throws {
        guard let trunkID else {
            throw ProviderError.permanent("NUMNINJA_DIDWW_TRUNK_ID is not set: no trunk to route the DID to", provider: "didww")
        }
        _ = try await client.assignVoiceTrunk(didID: didID, trunkID: trunkID)
    }

    func releaseDID(didID: String) async throws {
        let did = try await client.did(id: didID)
        if did.terminated { return }
        _ = try await client.terminateDID(id: didID)
    }

    func cancelOrder(orderID: String) async throws {
        let order = try await client.order(id: orderID)
        guard order.status == "pending" else { return }
        try await client.cancelOrder(id: orderID)
    }

    func didIDs(orderID: String) async throws -> [String] {
        try await client.dids(orderID: orderID).map(\.id)
    }
}

extension StripeClient: StripeBilling {
    func refund(paymentIntentID: String?, chargeID: String?, idempotencyKey: String) async throws -> String {
        let target: StripeRefundRequest.Target
        if let paymentIntentID {
            target = .paymentIntent(paymentIntentID)
        } else if let chargeID {
            target = .charge(chargeID)
        } else {
            throw ProviderError.permanent("no payment intent or charge to refund", provider: Self.provider)
        }
        return try await createRefund(StripeRefundRequest(target: target, idempotencyKey: idempotencyKey)).id
    }

    func createMeterEvent(eventName: String, customerID: String, value: Int64, identifier: String,
                          timestamp: Int64) async throws {
        _ = try await reportMeterEvent(StripeMeterEvent(eventName: eventName, customerID: customerID, value: Int(value),
                                                        identifier: identifier, timestamp: timestamp))
    }
}

extension SMTPClient: Mailer {}

extension CustomerWebhookClient: WebhookDelivery {
    func deliver(url: String, secret: String, messageID: String, timestamp: Int64, body: [UInt8]) async throws {
        try await deliver(CustomerWebhookDelivery(url: url, secret: secret, id: messageID, timestamp: timestamp, body: body))
    }
}

extension DIDWWSMSClient: SMSSender {
    func send(to: String, from: String?, text: String, reference: String) async throws {
        guard let from else { throw ProviderError.permanent("the number has no E.164 to send from", provider: "didww_sms") }
        _ = try await send(DIDWWOutboundSMS(source: from, destination: to, content: text))
    }
}
