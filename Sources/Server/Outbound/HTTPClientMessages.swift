/// An outbound request. `url` is absolute (`http://` or `https://`); the client adds `Host`,
/// `Content-Length` and `User-Agent` (unless given).
public struct HTTPClientRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [HTTPField]
    public var body: [UInt8]
    /// Overrides the client's total timeout for this request.
    public var timeout: Duration?

    public init(method: String, url: String, headers: [HTTPField] = [], body: [UInt8] = [], timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// GET, HEAD, PUT, DELETE and OPTIONS may be sent twice (RFC 9110 §9.2.2), and so may a request
    /// carrying an idempotency key.
    var isRetrySafe: Bool {
        ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(method) || header("Idempotency-Key") != nil
    }
}

/// A complete response: redirects are returned as they are, never followed.
public struct HTTPClientResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPField]
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPField] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A failed request: an unusable URL or request, or a transport failure.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case invalidRequest(String)
    case io(OutboundIOError)

    public var description: String {
        switch self {
        case .invalidURL(let url): "invalid URL '\(url)'"
        case .invalidRequest(let reason): "invalid request: \(reason)"
        case .io(let error): error.description
        }
    }

    public var isTimeout: Bool {
        if case .io(let error) = self { return error.isTimeout }
        return false
    }
}

/// The parts of an `http://` or `https://` URL the client needs.
public struct HTTPClientURL: Sendable, Equatable {
    public var isTLS: Bool
    public var host: String
    public var port: Int
    /// Path and query as given (`/` when the URL has no path); the fragment is dropped.
    public var target: String

    public init?(_ text: String) {
        let lowered = text.lowercased()
        let rest: Substring
        if lowered.hasPrefix("https://") {
            isTLS = true
            rest = text.dropFirst(8)
        } else if lowered.hasPrefix("http://") {
            isTLS = false
            rest = text.dropFirst(7)
        } else {
            return nil
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var target = String(rest[authorityEnd...])
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
        if target.isEmpty || target.first == "?" { target = "/" + target }
        self.target = target
        guard let (host, port) = HTTPClientURL.splitAuthority(authority, defaultPort: isTLS ? 443 : 80) else { return nil }
        self.host = host
        self.port = port
    }

    private static func splitAuthority(_ authority: Substring, defaultPort: Int) -> (String, Int)? {
        var host = authority
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.first == ":" { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { return nil }
        guard let portText else { return (String(host), defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// The `Host` header value: the port only when it is not the scheme's default.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isTLS ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// Pool key: connections are shared only between requests to the same scheme, host and port.
    var origin: String { "\(isTLS ? "https" : "http")://\(hostHeader)" }
}
