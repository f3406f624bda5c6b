import NumberActors

/// `POST /api/webhooks/stripe`: signature, translation, durable ingest, in CONTRACT.md's order of
/// failures (malformed header, invalid signature, stale timestamp, invalid payload, unavailable).
/// A 2xx is sent only once the event is durable; a duplicate gets the same 2xx.
struct StripeWebhookEndpoint: Sendable {
    let verifier: StripeSignatureVerifier
    let translator = StripeEventTranslator()

    func respond(to request: HTTPRequest, context: ServiceContext) async -> HTTPResponse {
        let receivedAt = Metrics.now()
        let now = StripeSignatureVerifier.currentUnixTime()
        let header = request.headers.firstValueBytes("Stripe-Signature").map { Array($0) }
        if case .rejected(let failure) = verifier.verify(payload: request.body, header: header, now: now) {
            context.metrics.webhook(source: .stripe, outcome: .rejected, receivedAt: nil)
            return .error(status: 400, code: failure.code, message: Self.message(failure))
        }
        let translation: StripeTranslation
        do {
            translation = try translator.translate(request.body, receivedAt: now)
        } catch {
            context.metrics.webhook(source: .stripe, outcome: .rejected, receivedAt: nil)
            return .error(status: 400, code: "invalid_payload", message: error.message)
        }
        guard case .event(let event) = translation else {
            // Types that concern no number are acknowledged, not journaled.
            context.metrics.webhook(source: .stripe, outcome: .ignored, receivedAt: nil)
            return .json(status: 200, "{\"received\": true}")
        }
        guard let engine = context.engine else {
            context.metrics.webhook(source: .stripe, outcome: .unavailable, receivedAt: nil)
            return context.unavailable()
        }
        do {
            let outcome = try await engine.ingest(event)
            context.metrics.webhook(source: .stripe, ingested: outcome, receivedAt: receivedAt)
            return outcome == .duplicate ? .json(status: 200, "{\"received\": true, \"duplicate\": true}") : .json(status: 200, "{\"received\": true}")
        } catch EngineError.eventTooLarge(let bytes, let limit) {
            context.metrics.webhook(source: .stripe, outcome: .rejected, receivedAt: nil)
            return .error(status: 413, code: "payload_too_large", message: "The event (\(bytes) bytes) exceeds the journal's limit of \(limit) bytes.")
        } catch {
            context.metrics.webhook(source: .stripe, outcome: .unavailable, receivedAt: nil)
            return .error(status: 503, code: "unavailable", message: "The event was not stored (\(error)); retry later.")
        }
    }

    static func message(_ failure: StripeSignatureFailure) -> String {
        switch failure {
        case .malformedSignatureHeader: return "The Stripe-Signature header is missing or has no timestamp and v1 signature."
        case .invalidSignature: return "No signature matches any configured webhook secret."
        case .timestampOutOfTolerance: return "The signature timestamp is older than the tolerance."
        }
    }
}
