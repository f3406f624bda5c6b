public enum HTTPVersion: Sendable, Equatable, CustomStringConvertible {
    case http1_0
    case http1_1

    public var description: String { self == .http1_0 ? "HTTP/1.0" : "HTTP/1.1" }
}

/// The first line of a request. `target` is kept exactly as sent (no percent-decoding, no normalisation),
/// because DIDWW signs the full URL and the router must see what the client sent.
public struct HTTPRequestLine: Sendable, Equatable {
    public var method: String
    public var target: String
    public var version: HTTPVersion

    public init(method: String, target: String, version: HTTPVersion) {
        self.method = method
        self.target = target
        self.version = version
    }

    /// The raw path: the target up to `?` (for an absolute-form target, without scheme and authority).
    public var path: Substring {
        var rest = target[...]
        if rest.first != "/", let colon = rest.firstIndex(of: ":") {
            // absolute-form: drop "scheme://authority"
            rest = rest[colon...].dropFirst(3)
            rest = rest[(rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex)...]
            if rest.first != "/" { return "/" }
        }
        return rest[..<(rest.firstIndex(of: "?") ?? rest.endIndex)]
    }

    /// The raw query after the first `?`, still percent-encoded; nil when the target has no `?`.
    public var query: Substring? {
        guard let mark = target.firstIndex(of: "?") else { return nil }
        return target[target.index(after: mark)...]
    }
}

/// How the body of a request is delimited on the wire.
public enum HTTPBodyFraming: Sendable, Equatable {
    case none
    case contentLength(Int)
    case chunked
}

/// A request whose header section is complete; the body may still be on its way.
public struct HTTPRequestHead: Sendable, Equatable {
    public var requestLine: HTTPRequestLine
    public var headers: HTTPHeaders
    public var framing: HTTPBodyFraming
    /// HTTP/1.1: true unless `Connection: close`; HTTP/1.0: false unless `Connection: keep-alive`.
    public var keepAlive: Bool
    /// HTTP/1.1 `Expect: 100-continue` on a request that has a body.
    public var expectsContinue: Bool

    public init(requestLine: HTTPRequestLine, headers: HTTPHeaders, framing: HTTPBodyFraming = .none,
                keepAlive: Bool = true, expectsContinue: Bool = false) {
        self.requestLine = requestLine
        self.headers = headers
        self.framing = framing
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
    }

    public var method: String { requestLine.method }
    public var target: String { requestLine.target }
    public var version: HTTPVersion { requestLine.version }
    public var path: Substring { requestLine.path }
    public var query: Substring? { requestLine.query }
}

/// A complete request: head, body bytes as sent (chunked framing removed, Content-Encoding still applied) and trailers.
public struct HTTPRequest: Sendable, Equatable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    /// Fields from the chunked trailer section; kept apart from `headers` so they can never override framing fields.
    public var trailers: HTTPHeaders

    public init(head: HTTPRequestHead, body: [UInt8] = [], trailers: HTTPHeaders = HTTPHeaders()) {
        self.head = head
        self.body = body
        self.trailers = trailers
    }

    public var method: String { head.method }
    public var target: String { head.target }
    public var version: HTTPVersion { head.version }
    public var path: Substring { head.path }
    public var query: Substring? { head.query }
    public var headers: HTTPHeaders { head.headers }
    public var keepAlive: Bool { head.keepAlive }
}
