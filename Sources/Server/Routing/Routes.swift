/// The URL space of CONTRACT.md §HTTP API. Unknown paths 404 `not_found`, a known path with another
/// method 405 `method_not_allowed`; everything else is the endpoint's own business, in CONTRACT.md's order.
struct Routes: Sendable {
    let context: ServiceContext
    let operations: OperationsEndpoints
    let didww: DIDWWWebhookEndpoints
    let numbers: NumbersEndpoints
    let admin: AdminEndpoints
    let streams: NumberStreams

    init(context: ServiceContext) {
        self.context = context
        operations = OperationsEndpoints(context: context)
        didww = DIDWWWebhookEndpoints(context: context)
        numbers = NumbersEndpoints(context: context)
        admin = AdminEndpoints(context: context)
        streams = NumberStreams(context: context)
    }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        let path = request.path
        let method = request.method
        switch path {
        case "/healthz", "/readyz", "/metrics":
            guard method == "GET" else { return Self.methodNotAllowed() }
            return await operations.respond(to: request, path: path)
        case "/api/webhooks/stripe":
            guard method == "POST" else { return Self.methodNotAllowed() }
            return await context.stripe.respond(to: request, context: context)
        case "/api/webhooks/didww":
            guard method == "POST" || method == "GET" else { return Self.methodNotAllowed() }
            return await didww.orderCallback(request)
        case "/api/webhooks/didww/sms":
            guard method == "POST" || method == "GET" || method == "PUT" else { return Self.methodNotAllowed() }
            return await didww.sms(request)
        case "/api/webhooks/didww/cdr":
            guard method == "POST" else { return Self.methodNotAllowed() }
            return await didww.cdrBatch(request)
        case "/api/webhooks/voice":
            guard method == "POST" else { return Self.methodNotAllowed() }
            return await didww.voice(request)
        default:
            break
        }
        if method == "GET", Self.isStreamPath(path) {
            return await streams.respond(to: request, path: path)
        }
        if path == "/api/numbers" || path == "/api/stream" || path.hasPrefix("/api/numbers/") {
            return await numbers.respond(to: request, path: path)
        }
        if path.hasPrefix("/admin/") {
            return await admin.respond(to: request, path: path)
        }
        return Self.notFound()
    }

    /// `/api/stream` and `/api/numbers/{id}/stream` (Server-Sent Events).
    static func isStreamPath(_ path: Substring) -> Bool {
        if path == "/api/stream" { return true }
        let segments = segments(path, after: "/api/numbers/")
        return segments.count == 2 && !segments[0].isEmpty && segments[1] == "stream"
    }

    /// The hot path, taken on the event-loop thread without a task: the Stripe webhook (its work is synchronous
    /// up to the journal's completion). Everything else returns false and goes through `respond(to:)`.
    func respondImmediately(to request: HTTPRequest, done: @escaping @Sendable (HTTPResponse) -> Void) -> Bool {
        guard request.path == "/api/webhooks/stripe", request.method == "POST" else { return false }
        context.stripe.respond(to: request, context: context, done: done)
        return true
    }

    static func notFound() -> HTTPResponse {
        .error(status: 404, code: "not_found", message: "No such endpoint.")
    }

    static func methodNotAllowed() -> HTTPResponse {
        .error(status: 405, code: "method_not_allowed", message: "This endpoint does not accept that method.")
    }

    /// The path's segments after a prefix: `/api/numbers/num_1/history` after `/api/numbers/` → `["num_1", "history"]`.
    static func segments(_ path: Substring, after prefix: String) -> [Substring] {
        guard path.hasPrefix(prefix) else { return [] }
        return path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
    }
}
