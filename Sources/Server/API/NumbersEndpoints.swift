import NumberActors

/// `/api/numbers...` and `/api/stream` (bearer `NUMNINJA_API_TOKEN`), CONTRACT.md §Numbers.
///
/// Failures in this order: unknown path 404 `not_found`; wrong method 405 `method_not_allowed`; missing or
/// wrong token 401 `unauthorized`; unreadable body or bad field 400 `invalid_payload` (bad query parameter
/// 400 `invalid_parameter`), the field named in the message; then, with the engine: 503 `unavailable` while
/// recovering or shutting down, 404 `not_found` for a number no event ever named, 409 `conflict`.
/// Writes answer once their event is durable and applied, with the number as it then is.
struct NumbersEndpoints: Sendable {
    let context: ServiceContext
    let webhookSecrets: CustomerWebhookSecret

    init(context: ServiceContext) {
        self.context = context
        webhookSecrets = CustomerWebhookSecret(directory: context.settings.dataDirectory)
    }

    enum Route: Equatable {
        case list, create
        case show(String), history(String), forwarding(String)
        case numberStream(String), allStream
    }

    enum Match: Equatable {
        case success(Route)
        case failure(HTTPResponse)
    }

    /// The route for a path under `/api/numbers` or `/api/stream`, or the 404/405 answer.
    static func route(method: String, path: Substring) -> Match {
        func only(_ allowed: String, _ route: Route) -> Match {
            method == allowed ? .success(route) : .failure(Routes.methodNotAllowed())
        }
        if path == "/api/stream" { return only("GET", .allStream) }
        if path == "/api/numbers" {
            switch method {
            case "GET": return .success(.list)
            case "POST": return .success(.create)
            default: return .failure(Routes.methodNotAllowed())
            }
        }
        let segments = Routes.segments(path, after: "/api/numbers/")
        guard (1...2).contains(segments.count), let id = APIAccess.pathID(segments[0]) else { return .failure(Routes.notFound()) }
        if segments.count == 1 { return only("GET", .show(id)) }
        switch segments[1] {
        case "history": return only("GET", .history(id))
        case "forwarding": return only("PATCH", .forwarding(id))
        case "stream": return only("GET", .numberStream(id))
        default: return .failure(Routes.notFound())
        }
    }

    func respond(to request: HTTPRequest, path: Substring) async -> HTTPResponse {
        let route: Route
        switch Self.route(method: request.method, path: path) {
        case .failure(let response): return response
        case .success(let matched): route = matched
        }
        switch route {
        case .numberStream, .allStream:
            // Server-Sent Events (`NumberStreams` checks its own token, also `?access_token=`). `Routes` sends GETs there
            // first; this keeps the two paths served whoever dispatches.
            return await NumberStreams(context: context).respond(to: request, path: path)
        default:
            break
        }
        if let refusal = APIAccess.refusal(request, context) { return refusal }
        switch route {
        case .list: return await list(request)
        case .create: return await create(request)
        case .show(let id): return await show(id)
        case .history(let id): return await history(id, request)
        case .forwarding(let id): return await changeForwarding(id, request)
        case .numberStream, .allStream: return Routes.notFound()
        }
    }

    // MARK: Reads

    func show(_ id: String) async -> HTTPResponse {
        guard let engine = context.engine else { return context.unavailable() }
        guard let entry = await engine.number(id) else { return APIAccess.numberNotFound(id) }
        return APIAccess.number(200, entry.state)
    }

    func list(_ request: HTTPRequest) async -> HTTPResponse {
        let query: NumberListQuery
        do { query = try NumberListQuery.parse(request.query) } catch { return error.response }
        guard let engine = context.engine else { return context.unavailable() }
        let page = await NumberPages.page(engine, query)
        return .json(status: 200, page.json)
    }

    func history(_ id: String, _ request: HTTPRequest) async -> HTTPResponse {
        let query: NumberHistoryQuery
        do { query = try NumberHistoryQuery.parse(request.query) } catch { return error.response }
        guard let engine = context.engine else { return context.unavailable() }
        guard let entry = await engine.number(id) else { return APIAccess.numberNotFound(id) }
        return .json(status: 200, NumberHistoryJSON.render(entry.state, query))
    }

    // MARK: Writes

    /// 201 for a new reservation; 200 when the number already holds this very reservation (a retry);
    /// 409 when it holds another one. Nothing is journaled for the 200 and 409 answers decided up front.
    func create(_ request: HTTPRequest) async -> HTTPResponse {
        let parsed: NumberReservationRequest
        do { parsed = try NumberReservationRequest.parse(request.body) } catch { return error.response }
        let id = parsed.id ?? APIEvents.newNumberID()
        let setsWebhook = parsed.reservation.forward.webhookURL != nil
        // The signing key exists before anything is journaled, so a write never ends without its secret.
        if setsWebhook, let failure = ensureSigningKey() { return failure }
        guard let engine = context.engine else { return context.unavailable() }
        if let existing = await engine.number(id), let held = existing.state.facts.reservation {
            guard held == parsed.reservation else { return Self.conflict(id) }
            return numberAnswer(200, existing.state, includeSecret: setsWebhook)
        }
        let outcome: IngestOutcome
        do {
            outcome = try await engine.ingest(APIEvents.reservation(id: id, parsed.reservation, now: APIEvents.nowSeconds()))
        } catch {
            return APIAccess.ingestFailure(error)
        }
        guard let entry = await engine.number(id) else { return APIAccess.internalError("The number \(id) was stored but cannot be read.") }
        // Another reservation for this id may have been applied first (concurrent requests).
        guard entry.state.facts.reservation == parsed.reservation else { return Self.conflict(id) }
        return numberAnswer(outcome == .duplicate ? 200 : 201, entry.state, includeSecret: setsWebhook)
    }

    /// Journals a forwarding change (unless it changes nothing) and answers with the number.
    func changeForwarding(_ id: String, _ request: HTTPRequest) async -> HTTPResponse {
        let change: ForwardingRequest
        do { change = try ForwardingRequest.parse(request.body) } catch { return error.response }
        let setsWebhook: Bool
        if case .set = change.webhookURL { setsWebhook = true } else { setsWebhook = false }
        if setsWebhook, let failure = ensureSigningKey() { return failure }
        guard let engine = context.engine else { return context.unavailable() }
        guard let current = await engine.number(id) else { return APIAccess.numberNotFound(id) }
        let forward = change.applied(to: current.state.forward)
        if forward == current.state.forward { return numberAnswer(200, current.state, includeSecret: setsWebhook) }
        let event = APIEvents.forwardingChanged(id: id, forward, after: current.state.facts.forward?.stamp, now: APIEvents.nowSeconds())
        do { _ = try await engine.ingest(event) } catch { return APIAccess.ingestFailure(error) }
        guard let entry = await engine.number(id) else { return APIAccess.internalError("The number \(id) cannot be read.") }
        return numberAnswer(200, entry.state, includeSecret: setsWebhook)
    }

    // MARK: Answers

    func ensureSigningKey() -> HTTPResponse? {
        do {
            _ = try webhookSecrets.signingKey()
            return nil
        } catch {
            return APIAccess.internalError("The webhook signing key is unavailable: \(error)")
        }
    }

    /// The number, with `forward.webhook_secret` for its current URL when the request set a URL.
    func numberAnswer(_ status: Int, _ state: NumberState, includeSecret: Bool) -> HTTPResponse {
        var secret: String?
        if includeSecret, let url = state.forward.webhookURL {
            secret = try? webhookSecrets.secret(numberID: state.id, url: url)
        }
        return APIAccess.number(status, state, webhookSecret: secret)
    }

    static func conflict(_ id: String) -> HTTPResponse {
        .error(status: 409, code: "conflict", message: "The number \(id) is already reserved with another body.")
    }
}
