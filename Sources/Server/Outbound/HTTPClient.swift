import Synchronization

/// An HTTP/1.1 client for provider APIs: keep-alive connections pooled per origin, connect/read/total
/// timeouts, Content-Length and chunked response bodies, TLS through OpenSSL with certificate and host
/// name verification. Redirects are returned, not followed (a provider API that redirects is misconfigured).
///
/// I/O is blocking on a thread of its own per request (`execute` bridges with a continuation), so a slow
/// provider never occupies the cooperative pool.
public final class HTTPClient: Sendable {
    public let configuration: HTTPClientConfiguration
    private let pool: HTTPClientPool
    private let tlsContext: Mutex<TLSClientContext?>

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.configuration = configuration
        self.pool = HTTPClientPool(maxPerOrigin: configuration.maxIdleConnectionsPerHost, idleTimeout: configuration.idleTimeout)
        self.tlsContext = Mutex(nil)
    }

    deinit { pool.closeAll() }

    /// Sends `request` and returns the response, whatever its status.
    public func execute(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        try await BlockingCall.run(name: "nn-http-client") { () throws(HTTPClientError) -> HTTPClientResponse in
            try self.executeBlocking(request)
        }
    }

    /// The same, blocking the calling thread (never call it from the cooperative pool).
    public func executeBlocking(_ request: HTTPClientRequest) throws(HTTPClientError) -> HTTPClientResponse {
        guard let url = HTTPClientURL(request.url) else { throw .invalidURL(request.url) }
        let bytes = try HTTPClientWire.serialize(request, url: url, userAgent: configuration.userAgent)
        let totalDeadline = Deadline.after(request.timeout ?? configuration.totalTimeout)
        if let pooled = pool.take(origin: url.origin) {
            do {
                return try exchange(on: pooled, bytes: bytes, request: request, url: url, totalDeadline: totalDeadline)
            } catch .closed where request.isRetrySafe {
                // The server closed the idle connection as we reused it: once more on a fresh one.
            } catch {
                throw .io(error)
            }
        }
        do {
            let stream = try connect(url, totalDeadline: totalDeadline)
            return try exchange(on: stream, bytes: bytes, request: request, url: url, totalDeadline: totalDeadline)
        } catch {
            throw .io(error)
        }
    }

    /// Idle connections currently pooled for the origin of `url`.
    public func idleConnectionCount(for url: String) -> Int {
        HTTPClientURL(url).map { pool.idleCount(origin: $0.origin) } ?? 0
    }

    /// Closes idle connections (requests in flight finish normally).
    public func closeIdleConnections() { pool.closeAll() }

    private func connect(_ url: HTTPClientURL, totalDeadline: UInt64) throws(OutboundIOError) -> OutboundStream {
        let deadline = min(Deadline.after(configuration.connectTimeout), totalDeadline)
        let stream = try OutboundStream.connect(host: url.host, port: url.port, deadline: deadline)
        if url.isTLS {
            try stream.startTLS(context: try tls(), serverName: url.host, deadline: deadline)
        }
        return stream
    }

    func tls() throws(OutboundIOError) -> TLSClientContext {
        if let context = tlsContext.withLock({ $0 }) { return context }
        let made = try TLSClientContext(caFile: configuration.caFile)
        return tlsContext.withLock { stored in
            if let stored { return stored }
            stored = made
            return made
        }
    }

    private func exchange(on stream: OutboundStream, bytes: [UInt8], request: HTTPClientRequest, url: HTTPClientURL,
                          totalDeadline: UInt64) throws(OutboundIOError) -> HTTPClientResponse {
        let readTimeout = configuration.readTimeout
        let nextDeadline = { () -> UInt64 in min(Deadline.after(readTimeout), totalDeadline) }
        do {
            try stream.writeAll(bytes, deadline: nextDeadline())
            let (response, reusable) = try HTTPClientWire.readResponse(from: stream, method: request.method,
                                                                       limits: configuration, deadline: nextDeadline)
            if reusable { pool.giveBack(stream, origin: url.origin) } else { stream.close() }
            return response
        } catch {
            stream.close()
            if case .timedOut = error, MonotonicClock.now() >= totalDeadline { throw .timedOut(.total) }
            throw error
        }
    }
}
