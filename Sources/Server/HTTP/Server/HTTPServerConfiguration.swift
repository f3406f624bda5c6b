#if canImport(Glibc)
import Glibc
#endif

/// Everything the transport can be tuned with. Defaults follow CONTRACT §Configuration
/// (`NUMNINJA_HEADER_TIMEOUT_SECONDS` 10, `NUMNINJA_IDLE_TIMEOUT_SECONDS` 60, `NUMNINJA_MAX_BODY_BYTES` via `limits`).
public struct HTTPServerConfiguration: Sendable {
    /// IPv4 address to listen on (`127.0.0.1`, `0.0.0.0`).
    public var host: String
    /// 0 asks the kernel for an ephemeral port; `HTTPServer.port` tells which.
    public var port: Int
    public var backlog: Int32
    /// Event-loop threads; the first also accepts and hands connections out round-robin.
    public var eventLoopCount: Int
    /// Open connections at most. Over it a new connection is accepted and closed at once (the client sees
    /// end of file or a reset immediately rather than waiting in the backlog), so a flood cannot exhaust descriptors.
    public var maxConnections: Int
    /// From accept (or from the first byte of a later request) to a complete head. Expiry with part of a head
    /// received answers 408 and closes gracefully; with nothing received, the connection is just closed.
    public var headerTimeout: Duration
    /// A keep-alive connection with no request is closed after this long; it is also the limit on a stall
    /// (no byte read while reading a body, no byte written while the client does not read the response).
    public var idleTimeout: Duration
    /// After an answer that closes the connection (Connection: close, an error), the server sends FIN and
    /// reads and discards what the client still sends for at most this long, so the client reads the
    /// answer instead of a reset; then it closes.
    public var drainTimeout: Duration
    /// How long `shutdown()` lets in-flight requests finish before closing their connections.
    public var shutdownGracePeriod: Duration
    /// When accept fails for lack of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), stop
    /// accepting for this long instead of spinning on a listener that stays readable.
    public var acceptBackoff: Duration
    /// Bytes read from a socket at once (one buffer per loop).
    public var readBufferBytes: Int
    public var limits: HTTPParserLimits

    public init(host: String = "127.0.0.1", port: Int = 8080, backlog: Int32 = 1024,
                eventLoopCount: Int = HTTPServerConfiguration.coreCount, maxConnections: Int = 10_000,
                headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60),
                drainTimeout: Duration = .seconds(2), shutdownGracePeriod: Duration = .seconds(10),
                acceptBackoff: Duration = .milliseconds(100), readBufferBytes: Int = 64 * 1024,
                limits: HTTPParserLimits = HTTPParserLimits()) {
        precondition(eventLoopCount >= 1 && maxConnections >= 1 && readBufferBytes >= 1024)
        self.host = host
        self.port = port
        self.backlog = backlog
        self.eventLoopCount = eventLoopCount
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.drainTimeout = drainTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.acceptBackoff = acceptBackoff
        self.readBufferBytes = readBufferBytes
        self.limits = limits
    }

    /// Splits `NUMNINJA_LISTEN`-style `host:port` (IPv4 only); nil when it is not of that form.
    public static func parseListenAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        var probe = in_addr()
        guard inet_pton(AF_INET, host, &probe) == 1 else { return nil }
        return (host, port)
    }

    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
