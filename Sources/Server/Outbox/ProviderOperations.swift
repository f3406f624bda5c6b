/// The provider operations the executors need, kept small so the HTTP clients (and test doubles) can
/// satisfy them directly. Every method throws `ProviderError` to say whether a retry can help; any other
/// error counts as retryable.

/// DIDWW API v3: ordering, routing and releasing DIDs.
protocol DIDWWProvisioning: Sendable {
    /// The order created earlier with this `external_reference_id`, if any: a retry after a timeout must not
    /// buy the number twice.
    func findOrder(externalReferenceID: String) async throws -> DIDWWOrder?
    /// Buys one DID: a specific available DID when `availableDIDID` is set, else one of the SKU.
    /// DIDWW calls `callbackURL` when the order completes or is cancelled.
    func createOrder(skuID: String, availableDIDID: String?, callbackURL: String,
                     externalReferenceID: String) async throws -> DIDWWOrder
    /// Points the DID at the service's voice trunk (the client knows the trunk).
    func assignTrunk(didID: String) async throws
    /// Gives the DID back (DIDWW: terminate it). Releasing a DID already released succeeds.
    func releaseDID(didID: String) async throws
    /// Cancels an order still in flight. Cancelling one already completed or cancelled succeeds.
    func cancelOrder(orderID: String) async throws
    /// The DIDs an order bought (DIDWW's order callback names the order, not always the DID).
    func didIDs(orderID: String) async throws -> [String]
}

extension DIDWWProvisioning {
    func didIDs(orderID: String) async throws -> [String] { [] }
}

/// Stripe API: refunds and usage (meter events).
protocol StripeBilling: Sendable {
    /// Refunds the whole payment (by payment intent, else by charge); returns the refund id.
    /// `idempotencyKey` goes in Stripe's `Idempotency-Key` header.
    func refund(paymentIntentID: String?, chargeID: String?, idempotencyKey: String) async throws -> String
    /// One billing meter event; Stripe drops a second event with the same `identifier`.
    func createMeterEvent(eventName: String, customerID: String, value: Int64, identifier: String,
                          timestamp: Int64) async throws
}

/// Customer email.
protocol Mailer: Sendable {
    /// `messageID` (`effect id@numninja`, no angle brackets) is the Message-ID header, so a resent message can be recognised.
    func send(_ message: EmailMessage) async throws
}

/// Customer webhooks, Standard Webhooks style: the deliverer signs `webhook-id.webhook-timestamp.body` with
/// `secret` (`whsec_` + base64) and sends `webhook-id`, `webhook-timestamp`, `webhook-signature`.
protocol WebhookDelivery: Sendable {
    /// `messageID` is the `webhook-id` (the effect id): the same on every retry, so customers can dedupe.
    func deliver(url: String, secret: String, messageID: String, timestamp: Int64, body: [UInt8]) async throws
}

/// Outbound SMS (DIDWW Outbound SMS API).
protocol SMSSender: Sendable {
    func send(to: String, from: String?, text: String, reference: String) async throws
}
