/// Wraps the routes for every request: a request id (the client's `X-Request-Id` when it is a sane
/// token, else a new one) echoed back in the response, `numninja_http_requests_total{status}`, and one
/// access-log line: request id, method, path (never the query string, which may carry `token=` or
/// `access_token=`), status, duration in ms and body bytes. Headers and bodies are never logged.
struct RequestLog: Sendable {
    let logger: Logger
    let metrics: Metrics

    func respond(to request: HTTPRequest, _ next: (HTTPRequest) async -> HTTPResponse) async -> HTTPResponse {
        let started = Metrics.now()
        let requestID = Self.requestID(request)
        return finish(request, requestID: requestID, started: started, response: await next(request))
    }

    /// The same around a request answered through a callback (`ImmediateHandler`).
    func respond(to request: HTTPRequest, responder: HTTPResponder,
                 _ next: (HTTPRequest, @escaping @Sendable (HTTPResponse) -> Void) -> Void) {
        let started = Metrics.now()
        let requestID = Self.requestID(request)
        next(request) { response in
            // Often called on the journal's writer thread: the access line is built on the event loop instead.
            responder.respond { finish(request, requestID: requestID, started: started, response: response) }
        }
    }

    /// Adds the request id to the answer, counts its status and writes the access-log line.
    func finish(_ request: HTTPRequest, requestID: String, started: UInt64, response: HTTPResponse) -> HTTPResponse {
        var response = response
        response.headers.append(HTTPField(name: "X-Request-Id", value: requestID))
        metrics.httpRequest(status: response.status)
        if logger.isEnabled(.info) {
            let millis = Double(Metrics.now() - started) / 1e6
            var fields: [(String, Logger.Value)] = [
                ("request_id", .string(requestID)), ("method", .string(request.method)),
                ("path", .string(String(request.path))), ("status", .int(Int64(response.status))),
                ("duration_ms", .double((millis * 1000).rounded() / 1000)), ("bytes", .int(Int64(response.body.count))),
            ]
            if response.stream != nil { fields.append(("stream", .bool(true))) }
            logger.info("request", fields)
        }
        return response
    }

    /// The client's id when it is 1...64 characters of `A-Z a-z 0-9 - _ . :`; else 16 random hex digits.
    static func requestID(_ request: HTTPRequest) -> String {
        if let given = request.headers.firstValueBytes("X-Request-Id"), (1...64).contains(given.count),
           given.allSatisfy(isTokenByte) {
            return String(decoding: given, as: UTF8.self)
        }
        let hex = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }
}
