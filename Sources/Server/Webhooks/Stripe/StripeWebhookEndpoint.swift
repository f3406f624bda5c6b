import NumberActors

/// `POST /api/webhooks/stripe`: signature, translation, durable ingest, in CONTRACT.md's order of
/// failures (malformed header, invalid signature, stale timestamp, invalid payload, unavailable).
/// A 2xx is sent only once the event is durable; a duplicate gets the same 2xx.
struct StripeWebhookEndpoint: Sendable {
    let verifier: StripeSignatureVerifier
    let translator = StripeEventTranslator()

    /// What the synchronous steps decided: an answer now, or an event to journal first.
    enum Step {
        case answer(HTTPResponse)
        case ingest(IncomingEvent, NumberEngine)
    }

    func respond(to request: HTTPRequest, context: ServiceContext) async -> HTTPResponse {
        let receivedAt = Metrics.now()
        switch prepare(request, context: context) {
        case .answer(let response):
            return response
        case .ingest(let event, let engine):
            do {
                return answer(.success(try await engine.ingest(event)), context: context, receivedAt: receivedAt)
            } catch let error as EngineError {
                return answer(.failure(error), context: context, receivedAt: receivedAt)
            } catch {
                return answer(.failure(.unavailable("\(error)")), context: context, receivedAt: receivedAt)
            }
        }
    }

    /// The same without a task, from the event-loop thread: the answer goes to `done` once the event is durable
    /// (on the journal's writer thread) or at once when refused.
    func respond(to request: HTTPRequest, context: ServiceContext, done: @escaping @Sendable (HTTPResponse) -> Void) {
        let receivedAt = Metrics.now()
        switch prepare(request, context: context) {
        case .answer(let response):
            done(response)
        case .ingest(let event, let engine):
            engine.ingest([event]) { result in
                done(answer(result.map { $0[0] }, context: context, receivedAt: receivedAt))
            }
        }
    }

    /// Signature, translation and availability, in CONTRACT.md's order.
    func prepare(_ request: HTTPRequest, context: ServiceContext) -> Step {
        let now = StripeSignatureVerifier.currentUnixTime()
        let header = request.headers.firstValueBytes("Stripe-Signature").map { Array($0) }
        if case .rejected(let failure) = verifier.verify(payload: request.body, header: header, now: now) {
            context.metrics.webhook(source: .stripe, outcome: .rejected, receivedAt: nil)
            return .answer(.error(status: 400, code: failure.code, message: Self.message(failure)))
        }
        let translation: StripeTranslation
        do {
            translation = try translator.translate(request.body, receivedAt: now)
        } catch {
            context.metrics.webhook(source: .stripe, outcome: .rejected, receivedAt: nil)
            return .answer(.error(status: 400, code: "invalid_payload", message: error.message))
        }
        guard case .event(let event) = translation else {
            // Types that concern no number are acknowledged, not journaled.
            context.metrics.webhook(source: .stripe, outcome: .ignored, receivedAt: nil)
            return .answer(.json(status: 200, "{\"received\": true}"))
        }
        guard let engine = context.engine else {
            context.metrics.webhook(source: .stripe, outcome: .unavailable, receivedAt: nil)
            return .answer(context.unavailable())
        }
        return .ingest(event, engine)
    }

    /// The answer once the engine has decided: 200 (also for a duplicate), 413 for an event too large, else 503.
    func answer(_ result: Result<IngestOutcome, EngineError>, context: ServiceContext, receivedAt: UInt64) -> HTTPResponse {
        switch result {
        case .success(let outcome):
            context.metrics.webhook(source: .stripe, ingested: outcome, receivedAt: receivedAt)
            return outcome == .duplicate ? Self.duplicateResponse : Self.receivedResponse
        case .failure(.eventTooLarge(let bytes, let limit)):
            context.metrics.webhook(source: .stripe, outcome: .rejected, receivedAt: nil)
            return .error(status: 413, code: "payload_too_large", message: "The event (\(bytes) bytes) exceeds the journal's limit of \(limit) bytes.")
        case .failure(let error):
            context.metrics.webhook(source: .stripe, outcome: .unavailable, receivedAt: nil)
            return .error(status: 503, code: "unavailable", message: "The event was not stored (\(error)); retry later.")
        }
    }

    static let receivedResponse = HTTPResponse.json(status: 200, "{\"received\": true}")
    static let duplicateResponse = HTTPResponse.json(status: 200, "{\"received\": true, \"duplicate\": true}")

    static func message(_ failure: StripeSignatureFailure) -> String {
        switch failure {
        case .malformedSignatureHeader: return "The Stripe-Signature header is missing or has no timestamp and v1 signature."
        case .invalidSignature: return "No signature matches any configured webhook secret."
        case .timestampOutOfTolerance: return "The signature timestamp is older than the tolerance."
        }
    }
}
