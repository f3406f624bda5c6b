import NumberActors

/// DIDWW's callers: order callbacks (signed), the SMS HTTP-IN trunk, CDR streaming, and the voice platform.
/// Each checks in CONTRACT.md's order: authentication (signature or inbound token), then the body
/// (400 `invalid_payload`), then the engine (503). A 2xx is sent only once every event is durable.
struct DIDWWWebhookEndpoints: Sendable {
    let context: ServiceContext
    let verifier: DIDWWSignatureVerifier
    let callbacks = DIDWWOrderCallbackTranslator()
    let smsTranslator = DIDWWSMSTranslator()
    let cdrTranslator = DIDWWCDRTranslator()
    let voiceTranslator = VoiceEventTranslator()

    init(context: ServiceContext) {
        self.context = context
        verifier = DIDWWSignatureVerifier(secrets: context.secrets.didww)
    }

    /// `POST` (form) or `GET` (query) `/api/webhooks/didww`. A missing `X-DIDWW-Signature` is `invalid_signature`
    /// like an empty or wrong one (DESIGN.md §Signatures): DIDWW always signs, so there is no malformed case.
    func orderCallback(_ request: HTTPRequest) async -> HTTPResponse {
        let receivedAt = Metrics.now()
        let rawQuery = request.query.map(String.init)
        let pairs = request.method == "GET"
            ? DIDWWSignature.getPayloadPairs(rawQuery: rawQuery ?? "")
            : DIDWWSignature.decodeForm(request.body)
        let url = DIDWWSignature.callbackURL(publicBaseURL: context.publicURL, path: String(request.path), rawQuery: rawQuery)
        let signature = request.headers.firstValueBytes("X-DIDWW-Signature").map { Array($0) }
        guard let url, verifier.verify(url: url, pairs: pairs, signature: signature) == .verified else {
            return rejected(.didww, .error(status: 400, code: DIDWWSignatureFailure.invalidSignature.code,
                          message: "X-DIDWW-Signature is missing or matches no configured callback secret for \(url ?? "this URL")."))
        }
        let now = StripeSignatureVerifier.currentUnixTime()
        let number = QueryParameters(request.query).first("number")
        let translation: DIDWWTranslation
        do {
            translation = try callbacks.translate(pairs: pairs, numberID: number, receivedAt: now)
        } catch {
            return rejected(.didww, error.response)
        }
        return await ingest(translation, source: .didww, receivedAt: receivedAt)
    }

    /// `GET`, `POST` or `PUT /api/webhooks/didww/sms`: one inbound SMS.
    func sms(_ request: HTTPRequest) async -> HTTPResponse {
        let receivedAt = Metrics.now()
        guard authorized(request) else { return rejected(.sms, RequestToken.unauthorized()) }
        let event: IncomingEvent
        do {
            event = try smsTranslator.translate(body: request.body, contentType: request.headers["Content-Type"],
                                                query: request.query, receivedAt: StripeSignatureVerifier.currentUnixTime())
        } catch {
            return rejected(.sms, error.response)
        }
        return await ingest(.event(event), source: .sms, receivedAt: receivedAt)
    }

    /// `POST /api/webhooks/didww/cdr`: a gzip batch of CDRs, journaled as one durable write.
    func cdrBatch(_ request: HTTPRequest) async -> HTTPResponse {
        let receivedAt = Metrics.now()
        guard authorized(request) else { return rejected(.cdr, RequestToken.unauthorized()) }
        let body: [UInt8]
        do {
            body = try GzipBody.decodedBody(of: request, maxDecompressedBytes: context.settings.maxDecompressedBytes)
        } catch {
            return rejected(.cdr, error.response)
        }
        let batch: DIDWWCDRBatch
        do {
            batch = try cdrTranslator.translate(body)
        } catch {
            return rejected(.cdr, error.response)
        }
        // Unreadable records are parked with the rest of the batch, in the same durable write: an operator sees
        // them in /admin/unroutable, and the batch is not refused (DIDWW would resend it forever).
        let now = StripeSignatureVerifier.currentUnixTime()
        let events = batch.events + batch.unreadable.map { $0.parkedEvent(receivedAt: now) }
        var duplicates = 0
        if !events.isEmpty {
            guard let engine = context.engine else { return unavailable(.cdr, context.unavailable(), count: events.count) }
            do {
                let outcomes = try await engine.ingest(events)
                duplicates = outcomes.reduce(0) { $0 + ($1 == .duplicate ? 1 : 0) }
                for outcome in outcomes { context.metrics.webhook(source: .cdr, ingested: outcome, receivedAt: receivedAt) }
            } catch {
                return unavailable(.cdr, failure(error), count: events.count)
            }
        }
        if batch.ignored > 0 { context.metrics.webhook(source: .cdr, outcome: .ignored, receivedAt: nil, count: batch.ignored) }
        for unreadable in batch.unreadable { Self.log(unreadable) }
        var json = "{\"received\": \(batch.records), \"duplicates\": \(duplicates)"
        if !batch.unreadable.isEmpty { json += ", \"unreadable\": \(batch.unreadable.count)" }
        return .json(status: 200, json + "}")
    }

    /// `POST /api/webhooks/voice`: the voice platform's voicemail.
    func voice(_ request: HTTPRequest) async -> HTTPResponse {
        let receivedAt = Metrics.now()
        guard authorized(request) else { return rejected(.voice, RequestToken.unauthorized()) }
        let translation: DIDWWTranslation
        do {
            translation = try voiceTranslator.translate(request.body, receivedAt: StripeSignatureVerifier.currentUnixTime())
        } catch {
            return rejected(.voice, error.response)
        }
        return await ingest(translation, source: .voice, receivedAt: receivedAt)
    }

    // MARK: - Shared steps

    func authorized(_ request: HTTPRequest) -> Bool {
        guard let token = RequestToken.inbound(request) else { return false }
        return context.inboundTokens.accepts(token)
    }

    /// Journals one event (or acknowledges an ignored input) and answers once it is durable.
    func ingest(_ translation: DIDWWTranslation, source: Metrics.WebhookSource, receivedAt: UInt64) async -> HTTPResponse {
        guard case .event(let event) = translation else {
            context.metrics.webhook(source: source, outcome: .ignored, receivedAt: nil)
            return .json(status: 200, "{\"received\": true}")
        }
        guard let engine = context.engine else { return unavailable(source, context.unavailable()) }
        do {
            let outcome = try await engine.ingest(event)
            context.metrics.webhook(source: source, ingested: outcome, receivedAt: receivedAt)
            return .json(status: 200, outcome == .duplicate ? "{\"received\": true, \"duplicate\": true}" : "{\"received\": true}")
        } catch {
            return unavailable(source, failure(error))
        }
    }

    /// Counts a refused request (bad token, signature or body) and passes its response through.
    func rejected(_ source: Metrics.WebhookSource, _ response: HTTPResponse) -> HTTPResponse {
        context.metrics.webhook(source: source, outcome: .rejected, receivedAt: nil)
        return response
    }

    /// Counts a request that could not be stored: 503 (unavailable) or 413 (one event too large: rejected).
    func unavailable(_ source: Metrics.WebhookSource, _ response: HTTPResponse, count: Int = 1) -> HTTPResponse {
        context.metrics.webhook(source: source, outcome: response.status == 503 ? .unavailable : .rejected, receivedAt: nil, count: count)
        return response
    }

    func failure(_ error: any Error) -> HTTPResponse {
        switch error as? EngineError {
        case .eventTooLarge(let bytes, let limit):
            return .error(status: 413, code: "payload_too_large",
                          message: "An event (\(bytes) bytes) exceeds the journal's limit of \(limit) bytes.")
        case .unroutableFull(let capacity):
            return .error(status: 503, code: "unavailable",
                          message: "The unroutable list is full (\(capacity) parked events); retry later.")
        default:
            if context.engine == nil { return context.unavailable() }
            return .error(status: 503, code: "unavailable", message: "The events were not stored (\(error)); retry later.")
        }
    }

    /// An unreadable CDR is acknowledged (DIDWW would otherwise resend the whole batch forever), parked, and logged with
    /// its line, the reason and its first bytes, so an operator can recover it.
    static func log(_ unreadable: DIDWWCDRBatch.Unreadable) {
        var line = JSONObject()
        line.set("event", "cdr_unreadable")
        line.set("line", unreadable.line)
        line.set("reason", unreadable.error.message)
        line.set("record", unreadable.excerpt)
        Output.standardError.line(line.string)
        Output.standardError.flush()
    }
}
