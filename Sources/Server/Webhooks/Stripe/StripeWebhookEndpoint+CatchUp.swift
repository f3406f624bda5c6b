import NumberActors

extension StripeWebhookEndpoint {
    /// An event read back from Stripe's API (`GET /v1/events`, with our own key, so there is no signature to
    /// check): translated and ingested exactly as a delivered webhook would be, so one already received is a
    /// duplicate and changes nothing. Returns the outcome, or nil when the event concerns no number or was refused.
    @discardableResult
    func ingestFetched(_ body: [UInt8], context: ServiceContext) async -> IngestOutcome? {
        let now = StripeSignatureVerifier.currentUnixTime()
        guard case .event(let event)? = try? translator.translate(body, receivedAt: now), let engine = context.engine else {
            return nil
        }
        let receivedAt = Metrics.now()
        do {
            let outcome = try await engine.ingest(event)
            context.metrics.webhook(source: .stripe, ingested: outcome, receivedAt: receivedAt)
            return outcome
        } catch {
            context.logger.warn("reconcile: Stripe event not ingested", [("error", .string("\(error)"))])
            return nil
        }
    }
}
