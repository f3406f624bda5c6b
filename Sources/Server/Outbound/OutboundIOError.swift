#if canImport(Glibc)
import Glibc
#endif

/// Why an outbound connection failed below HTTP or SMTP. Every case is something a later attempt may not
/// meet again, except a certificate the configured trust store refuses, which needs an operator.
public enum OutboundIOError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Phase: String, Sendable {
        case connect
        case read
        case write
        case total
    }

    case resolve(host: String)
    case connect(host: String, port: Int, errno: Int32)
    case timedOut(Phase)
    /// The peer closed the connection before the exchange was complete.
    case closed
    case io(function: String, errno: Int32)
    /// The TLS handshake or record layer failed (not a certificate problem).
    case tls(String)
    /// The peer's certificate was refused: unknown issuer, expired, or not for this host name.
    case certificate(String)
    /// The peer sent something the protocol does not allow (a malformed or oversized response).
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .resolve(let host): "cannot resolve \(host)"
        case .connect(let host, let port, let code): "cannot connect to \(host):\(port): \(String(cString: strerror(code)))"
        case .timedOut(let phase): "\(phase.rawValue) timed out"
        case .closed: "connection closed by the peer"
        case .io(let function, let code): "\(function) failed: \(String(cString: strerror(code)))"
        case .tls(let reason): "TLS failed: \(reason)"
        case .certificate(let reason): "certificate refused: \(reason)"
        case .protocolViolation(let reason): "protocol violation: \(reason)"
        }
    }

    public var isTimeout: Bool {
        if case .timedOut = self { return true }
        return false
    }
}

/// Monotonic deadlines in nanoseconds (`MonotonicClock.now()` scale).
enum Deadline {
    static func after(_ duration: Duration) -> UInt64 { MonotonicClock.now() &+ MonotonicClock.nanoseconds(duration) }

    /// Milliseconds left until `deadline` for poll(2), rounded up so a wait never ends early; 0 when passed.
    static func pollMilliseconds(until deadline: UInt64) -> Int32 {
        let now = MonotonicClock.now()
        guard deadline > now else { return 0 }
        return Int32(min((deadline - now + 999_999) / 1_000_000, UInt64(Int32.max)))
    }
}
