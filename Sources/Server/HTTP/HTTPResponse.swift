/// A response to serialize. The serializer owns framing: it writes `Content-Length` from the body and
/// `Connection` from the keep-alive decision, and drops those fields (and Transfer-Encoding) from `headers`.
/// A response with a `stream` has no fixed body: see `HTTPResponseStream` for its framing.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPField]
    public var body: [UInt8]
    public var stream: HTTPResponseStream?

    public init(status: Int, headers: [HTTPField] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body `stream` produces for as long as the connection lives.
    public static func streaming(status: Int = 200, headers: [HTTPField], stream: HTTPResponseStream) -> HTTPResponse {
        var response = HTTPResponse(status: status, headers: headers)
        response.stream = stream
        return response
    }

    /// The interim response for `Expect: 100-continue`.
    public static let continueBytes: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// A JSON response (`Content-Type: application/json`).
    public static func json(status: Int, _ json: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [HTTPField(name: "Content-Type", value: "application/json")],
                     body: Array(json.utf8))
    }

    /// The CONTRACT error body: `{"error": "<code>", "message": "<sentence>"}`.
    public static func error(status: Int, code: String, message: String) -> HTTPResponse {
        json(status: status, errorBody(code: code, message: message))
    }

    public static func errorBody(code: String, message: String) -> String {
        "{\"error\": \(JSONText.quote(code)), \"message\": \(JSONText.quote(message))}"
    }

    /// Status line, headers, framing and body. HTTP/1.0 clients that asked for keep-alive get `Connection: keep-alive`.
    public func serialize(into out: inout [UInt8], keepAlive: Bool, requestVersion: HTTPVersion = .http1_1) {
        let bodyAllowed = !(100..<200).contains(status) && status != 204 && status != 304
        out.reserveCapacity(out.count + 128 + body.count)
        out += "HTTP/1.1 \(status) \(Self.reasonPhrase(status))\r\n".utf8
        for field in headers where !Self.isFramingField(field.name) {
            Self.appendSanitized(field.name, to: &out)
            out += ": ".utf8
            Self.appendSanitized(field.value, to: &out)
            out += "\r\n".utf8
        }
        if bodyAllowed { out += "Content-Length: \(body.count)\r\n".utf8 }
        if !keepAlive {
            out += "Connection: close\r\n".utf8
        } else if requestVersion == .http1_0 {
            out += "Connection: keep-alive\r\n".utf8
        }
        out += "\r\n".utf8
        if bodyAllowed { out += body }
    }

    /// The head of a stream response: chunked for HTTP/1.1, unframed for HTTP/1.0; always `Connection: close`.
    func serializeStreamHead(into out: inout [UInt8], chunked: Bool) {
        out += "HTTP/1.1 \(status) \(Self.reasonPhrase(status))\r\n".utf8
        for field in headers where !Self.isFramingField(field.name) {
            Self.appendSanitized(field.name, to: &out)
            out += ": ".utf8
            Self.appendSanitized(field.value, to: &out)
            out += "\r\n".utf8
        }
        if chunked { out += "Transfer-Encoding: chunked\r\n".utf8 }
        out += "Connection: close\r\n\r\n".utf8
    }

    /// One chunk of a chunked body (nothing for no bytes: an empty chunk would end the body).
    static func appendChunk(_ bytes: [UInt8], to out: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        out += String(bytes.count, radix: 16).utf8
        out += "\r\n".utf8
        out += bytes
        out += "\r\n".utf8
    }

    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    public func serialized(keepAlive: Bool, requestVersion: HTTPVersion = .http1_1) -> [UInt8] {
        var out: [UInt8] = []
        serialize(into: &out, keepAlive: keepAlive, requestVersion: requestVersion)
        return out
    }

    private static func isFramingField(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return lowered == "content-length" || lowered == "connection" || lowered == "transfer-encoding"
    }

    /// CR, LF and NUL become spaces, so a value that came from a request can never split the response.
    private static func appendSanitized(_ text: String, to out: inout [UInt8]) {
        for byte in text.utf8 {
            out.append(byte == HTTPSyntax.cr || byte == HTTPSyntax.lf || byte == 0 ? HTTPSyntax.space : byte)
        }
    }

    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status"
        }
    }
}
