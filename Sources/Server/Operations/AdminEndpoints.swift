import NumberActors

/// `/admin/*` (bearer `NUMNINJA_API_TOKEN`): status, snapshots, parked events, effects, operator actions.
///
/// Failures in this order: unknown path 404; wrong method 405; token 401; a write without `X-Operator`
/// 400 `missing_operator`; bad body 400 `invalid_payload`; 503 `unavailable` while there is no engine; then
/// what needs the state: 404 `not_found` (unknown number, parked event or effect), 409.
/// Operator writes are journaled with the operator's name and answer once applied.
struct AdminEndpoints: Sendable {
    let context: ServiceContext

    enum Route: Equatable {
        case status, snapshot, unroutable, effects
        case assign(UInt64), discard(UInt64)
        case retry(String)
        case numberAction(String, APIEvents.OperatorAction)
    }

    enum Match: Equatable {
        case success(Route)
        case failure(HTTPResponse)
    }

    static func route(method: String, path: Substring) -> Match {
        // No HEAD: the server writes the body of every answer.
        let get = method == "GET"
        let post = method == "POST"
        func when(_ allowed: Bool, _ route: Route) -> Match { allowed ? .success(route) : .failure(Routes.methodNotAllowed()) }
        switch path {
        case "/admin/status": return when(get, .status)
        case "/admin/snapshot": return when(post, .snapshot)
        case "/admin/unroutable": return when(get, .unroutable)
        case "/admin/effects": return when(get, .effects)
        default: break
        }
        let segments = Routes.segments(path, after: "/admin/")
        guard segments.count == 3, let id = APIAccess.pathID(segments[1]) else { return .failure(Routes.notFound()) }
        switch (segments[0], segments[2]) {
        case ("unroutable", "assign"), ("unroutable", "discard"):
            // Parked ids are journal sequences; anything else names no parked event.
            guard let parked = UInt64(id), String(parked) == id else { return .failure(Routes.notFound()) }
            return when(post, segments[2] == "assign" ? .assign(parked) : .discard(parked))
        case ("effects", "retry"):
            return when(post, .retry(id))
        case ("numbers", let action):
            guard let action = APIEvents.OperatorAction(rawValue: String(action)) else { return .failure(Routes.notFound()) }
            return when(post, .numberAction(id, action))
        default:
            return .failure(Routes.notFound())
        }
    }

    func respond(to request: HTTPRequest, path: Substring) async -> HTTPResponse {
        let route: Route
        switch Self.route(method: request.method, path: path) {
        case .failure(let response): return response
        case .success(let matched): route = matched
        }
        if let refusal = APIAccess.refusal(request, context) { return refusal }
        switch route {
        case .status: return await status()
        case .snapshot: return await snapshot()
        case .unroutable: return unroutable()
        case .effects: return await effects(request)
        case .assign(let id): return await assign(id, request)
        case .discard(let id): return await discard(id, request)
        case .retry(let id): return await retry(id, request)
        case .numberAction(let id, let action): return await numberAction(action, id, request)
        }
    }

    // MARK: Status and snapshots

    func status() async -> HTTPResponse {
        guard let engine = context.engine else { return context.unavailable() }
        return .json(status: 200, await AdminStatus.collect(engine, workers: context.effectWorkers).json)
    }

    func snapshot() async -> HTTPResponse {
        guard let engine = context.engine else { return context.unavailable() }
        do {
            let result = try await engine.snapshot()
            var json = JSONObject()
            json.set("sequence", result.sequence)
            json.set("bytes", result.bytes)
            json.set("millis", result.millis)
            return .json(status: 200, json.string)
        } catch EngineError.unavailable(let reason) where engine.failure == nil {
            return .error(status: 409, code: "snapshot_in_progress", message: "No snapshot was taken: \(reason).")
        } catch {
            return .error(status: 500, code: "snapshot_failed", message: "The snapshot failed: \(error).")
        }
    }

    // MARK: Operator actions

    /// `X-Operator`: who acts, recorded in the journal. Nil (and the 400 in `refusal`) when absent or unusable.
    static func operatorName(_ request: HTTPRequest) -> Result<String, RequestError> {
        guard let bytes = request.headers.firstValueBytes("X-Operator"),
              let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(RequestError(code: "missing_operator", field: "X-Operator",
                                         "The X-Operator header must name the operator acting."))
        }
        let name = text.trimmingSpaces
        guard !name.isEmpty else {
            return .failure(RequestError(code: "missing_operator", field: "X-Operator", "The X-Operator header must name the operator acting."))
        }
        guard name.utf8.count <= 100, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return .failure(RequestError(code: "invalid_payload", field: "X-Operator", "X-Operator: at most 100 bytes, no control characters"))
        }
        return .success(name)
    }

    func numberAction(_ action: APIEvents.OperatorAction, _ id: String, _ request: HTTPRequest) async -> HTTPResponse {
        let name: String
        switch Self.operatorName(request) {
        case .failure(let error): return error.response
        case .success(let value): name = value
        }
        guard let engine = context.engine else { return context.unavailable() }
        guard let current = await engine.number(id) else { return APIAccess.numberNotFound(id) }
        let event = APIEvents.operatorAction(action, id: id, operatorName: name, after: current.state.facts.operatorHold?.stamp,
                                             now: APIEvents.nowSeconds())
        do { _ = try await engine.ingest(event) } catch { return APIAccess.ingestFailure(error) }
        guard let entry = await engine.number(id) else { return APIAccess.internalError("The number \(id) cannot be read.") }
        return APIAccess.number(200, entry.state)
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(scalars[first...last])
    }
}
