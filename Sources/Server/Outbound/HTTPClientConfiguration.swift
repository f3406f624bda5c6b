/// Limits and timeouts of an `HTTPClient`. Every wait and every size has a bound.
public struct HTTPClientConfiguration: Sendable {
    /// Resolving and connecting, TLS handshake included.
    public var connectTimeout: Duration
    /// Longest wait for the next byte of the response (or for the socket to take more of the request).
    public var readTimeout: Duration
    /// The whole exchange, connect to last byte; a request can lower or raise it with `HTTPClientRequest.timeout`.
    public var totalTimeout: Duration
    /// Idle keep-alive connections kept per origin; more are closed after use.
    public var maxIdleConnectionsPerHost: Int
    /// An idle connection older than this is closed rather than reused (below providers' own idle timeouts).
    public var idleTimeout: Duration
    public var maxResponseHeaderBytes: Int
    public var maxResponseBodyBytes: Int
    /// PEM file of certificate authorities to trust instead of the system store (tests, private CAs).
    public var caFile: String?
    public var userAgent: String

    public init(connectTimeout: Duration = .seconds(5), readTimeout: Duration = .seconds(30),
                totalTimeout: Duration = .seconds(60), maxIdleConnectionsPerHost: Int = 4,
                idleTimeout: Duration = .seconds(30), maxResponseHeaderBytes: Int = 64 * 1024,
                maxResponseBodyBytes: Int = 16 * 1024 * 1024, caFile: String? = nil,
                userAgent: String = "numninja") {
        precondition(maxIdleConnectionsPerHost >= 0 && maxResponseHeaderBytes > 0 && maxResponseBodyBytes >= 0)
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.totalTimeout = totalTimeout
        self.maxIdleConnectionsPerHost = maxIdleConnectionsPerHost
        self.idleTimeout = idleTimeout
        self.maxResponseHeaderBytes = maxResponseHeaderBytes
        self.maxResponseBodyBytes = maxResponseBodyBytes
        self.caFile = caFile
        self.userAgent = userAgent
    }
}
