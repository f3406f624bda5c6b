import NumberActors

/// `GET /api/numbers/{id}/stream` and `GET /api/stream?customer=`: Server-Sent Events (CONTRACT.md §Numbers).
///
/// On connect the current number (or every number of the customer) goes out as `event: number`, then
/// each change as it is applied, within milliseconds of being durable. A `: ping` comment goes out after
/// 15 s without an event. Token: `Authorization: Bearer` or `?access_token=` (EventSource cannot send
/// headers). A client that falls more than `bufferLimit` behind is dropped; it reconnects and gets the
/// current state again, so nothing is lost but intermediate versions.
struct NumberStreams: Sendable {
    let context: ServiceContext

    static let bufferLimit = 256 * 1024
    static let heartbeat: [UInt8] = Array(": ping\n\n".utf8)
    static let heartbeatInterval: Duration = .seconds(15)

    func respond(to request: HTTPRequest, path: Substring) async -> HTTPResponse {
        guard let token = RequestToken.bearer(request, allowQuery: true), context.apiTokens.accepts(token) else {
            return RequestToken.unauthorized()
        }
        if path == "/api/stream" {
            guard let customer = QueryParameters(request.query).first("customer"), !customer.isEmpty else {
                return .error(status: 400, code: "invalid_parameter", message: "customer: the customer query parameter is required.")
            }
            guard let engine = context.engine else { return context.unavailable() }
            return await customerStream(customer, engine: engine)
        }
        let segments = Routes.segments(path, after: "/api/numbers/")
        guard segments.count == 2, segments[1] == "stream", !segments[0].isEmpty else { return Routes.notFound() }
        guard let engine = context.engine else { return context.unavailable() }
        return await numberStream(String(segments[0]), engine: engine)
    }

    private func numberStream(_ id: String, engine: NumberEngine) async -> HTTPResponse {
        let subscriber = context.changes.subscribe(number: id)
        guard let entry = await engine.number(id) else {
            context.changes.unsubscribe(subscriber)
            return .error(status: 404, code: "not_found", message: "No number \(id).")
        }
        return open(subscriber, initial: [entry.state], label: "number")
    }

    private func customerStream(_ customer: String, engine: NumberEngine) async -> HTTPResponse {
        let subscriber = context.changes.subscribe(customer: customer)
        var initial: [NumberState] = []
        await engine.forEachNumber { state in
            if state.customer == customer { initial.append(state) }
        }
        return open(subscriber, initial: initial, label: "customer")
    }

    /// The stream response; its buffer holds the initial states on top of the usual limit.
    private func open(_ subscriber: NumberChangeFeed.Subscriber, initial: [NumberState], label: String) -> HTTPResponse {
        let initialBytes = initial.count * 1024
        let stream = HTTPResponseStream(maxBufferedBytes: Self.bufferLimit + initialBytes, heartbeat: Self.heartbeat,
                                        heartbeatInterval: Self.heartbeatInterval)
        let context = self.context
        context.metrics.sseClients.add(1, ordering: .relaxed)
        let opened = Metrics.now()
        stream.onClose { reason in
            context.changes.unsubscribe(subscriber)
            context.metrics.sseClients.subtract(1, ordering: .relaxed)
            context.logger.info("stream closed", [("scope", .string(label)), ("reason", .string(Self.name(reason))),
                                                  ("seconds", .double(Double(Metrics.now() - opened) / 1e9))])
        }
        subscriber.start(stream, initial: initial)
        let headers = [HTTPField(name: "Content-Type", value: "text/event-stream"),
                       HTTPField(name: "Cache-Control", value: "no-cache"),
                       HTTPField(name: "X-Accel-Buffering", value: "no")]
        return .streaming(headers: headers, stream: stream)
    }

    static func name(_ reason: HTTPResponseStream.CloseReason) -> String {
        switch reason {
        case .finished: "finished"
        case .clientGone: "client_gone"
        case .tooSlow: "too_slow"
        case .serverShutdown: "server_shutdown"
        }
    }
}
