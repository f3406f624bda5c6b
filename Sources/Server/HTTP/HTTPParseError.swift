/// A request the HTTP layer refuses, as a value that knows its status, its CONTRACT error code and its response.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// 431 `headers_too_large`: request line + headers (or trailers) over the limit, or too many fields.
        case headersTooLarge
        /// 400 `bad_request`: malformed HTTP syntax or framing.
        case badRequest
        /// 413 `payload_too_large`: body (as sent, or once decompressed) over its limit.
        case payloadTooLarge
        /// 400 `invalid_payload`: a body that cannot be decoded (corrupt gzip, unsupported Content-Encoding).
        case invalidPayload
    }

    public let kind: Kind
    /// A human sentence for the `message` field of the error body.
    public let message: String
    /// The request line when it was parsed before the failure, so the server can answer 404/405 first (CONTRACT order).
    public internal(set) var requestLine: HTTPRequestLine?

    public init(_ kind: Kind, _ message: String, requestLine: HTTPRequestLine? = nil) {
        self.kind = kind
        self.message = message
        self.requestLine = requestLine
    }

    public var status: Int {
        switch kind {
        case .headersTooLarge: 431
        case .badRequest, .invalidPayload: 400
        case .payloadTooLarge: 413
        }
    }

    public var code: String {
        switch kind {
        case .headersTooLarge: "headers_too_large"
        case .badRequest: "bad_request"
        case .payloadTooLarge: "payload_too_large"
        case .invalidPayload: "invalid_payload"
        }
    }

    /// The JSON error response; the server sends it with `Connection: close` when the error came from the parser.
    public var response: HTTPResponse { .error(status: status, code: code, message: message) }

    public var description: String { "\(status) \(code): \(message)" }

    static func badRequest(_ message: String) -> HTTPParseError { HTTPParseError(.badRequest, message) }
    static func headersTooLarge(_ message: String) -> HTTPParseError { HTTPParseError(.headersTooLarge, message) }
    static func payloadTooLarge(_ message: String) -> HTTPParseError { HTTPParseError(.payloadTooLarge, message) }
}
