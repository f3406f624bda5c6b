import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Failure injection shared by the HTTP simulators: answer the next N requests with an error status,
/// and/or wait before answering every request (a slow provider).
public final class SimulatorFaults: Sendable {
    private struct State {
        var failNext = 0
        var failStatus = 503
        var delay: Duration?
    }

    private let state = Mutex(State())

    public init() {}

    /// The next `count` requests get `status` (with `Retry-After: 1` on 429 and 503).
    public func failNext(_ count: Int, status: Int = 503) {
        state.withLock { $0.failNext = count; $0.failStatus = status }
    }

    /// Every answer waits this long first; nil answers at once.
    public func setDelay(_ delay: Duration?) { state.withLock { $0.delay = delay } }

    /// Applies the faults to one request: waits if slow, and answers the status to fail with, if any.
    func apply() async -> Int? {
        let (delay, status) = state.withLock { state -> (Duration?, Int?) in
            guard state.failNext > 0 else { return (state.delay, nil) }
            state.failNext -= 1
            return (state.delay, state.failStatus)
        }
        if let delay { try? await Task.sleep(for: delay) }
        return status
    }
}

/// Helpers the simulators share.
enum Simulator {
    static func configuration() -> HTTPServerConfiguration {
        HTTPServerConfiguration(host: "127.0.0.1", port: 0, eventLoopCount: 1, maxConnections: 256,
                                shutdownGracePeriod: .seconds(2))
    }

    /// A random UUID (version 4 layout), as providers use for ids.
    static func uuid() -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    /// Random lowercase letters and digits, for Stripe-style ids (`re_...`).
    static func token(_ length: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in alphabet.randomElement()! })
    }

    static func nowNanos() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    static func nowSeconds() -> Int64 { nowNanos() / 1_000_000_000 }

    static func json(_ status: Int, _ body: String, headers: [HTTPField] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [HTTPField(name: "Content-Type", value: "application/json")] + headers,
                     body: Array(body.utf8))
    }

    static func retryAfterHeaders(_ status: Int) -> [HTTPField] {
        status == 429 || status == 503 ? [HTTPField(name: "Retry-After", value: "1")] : []
    }
}

/// Requests per key in the last second, for a provider's rate limit (DIDWW: 20 requests/s per key).
final class SimulatorRateLimiter: Sendable {
    private let limit: Int
    private let window = Mutex<[String: [UInt64]]>([:])

    init(perSecond limit: Int) { self.limit = limit }

    /// Records the request and answers false when it is over the limit.
    func admit(key: String) -> Bool {
        let now = MonotonicClock.now()
        return window.withLock { window in
            var stamps = window[key, default: []].filter { now &- $0 < 1_000_000_000 }
            defer { window[key] = stamps }
            guard stamps.count < limit else { return false }
            stamps.append(now)
            return true
        }
    }
}

/// Lets a simulator hand its own request handler to the `HTTPServer` it creates in `init` (the server
/// starts before the simulator is complete). Cleared on shutdown, which breaks the reference cycle.
final class SimulatorHandlerSlot: Sendable {
    private let handler = Mutex<HTTPServer.Handler?>(nil)

    func set(_ handler: HTTPServer.Handler?) { self.handler.withLock { $0 = handler } }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard let handler = handler.withLock({ $0 }) else { return HTTPResponse(status: 503) }
        return await handler(request)
    }
}
