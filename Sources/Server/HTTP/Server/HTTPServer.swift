#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The HTTP/1.1 server transport: a listening socket, N event-loop threads doing non-blocking I/O with
/// epoll, and a handler that runs off the loops in a Task per request.
///
/// Per connection at most one request is in flight: while it is handled the loop stops reading from that
/// connection (pipelined bytes wait in the parser), and responses go out strictly in request order.
/// Call `shutdown()` before dropping the server; until then its threads keep running.
public final class HTTPServer: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse
    /// Runs on the event-loop thread before `Handler`: returns true when it took the request, and then calls
    /// the responder exactly once, from any thread. For hot endpoints whose work is synchronous up to a
    /// completion callback: they skip the task and its two thread hand-offs. It must never block.
    public typealias ImmediateHandler = @Sendable (HTTPRequest, HTTPResponder) -> Bool

    public let configuration: HTTPServerConfiguration
    /// The port actually bound (the ephemeral one when the configuration asked for port 0).
    public let port: Int
    private let loops: [EventLoop]
    private let shared: HTTPServerShared

    /// Binds, listens and starts the event-loop threads; serving begins before this returns.
    public init(configuration: HTTPServerConfiguration, immediate: ImmediateHandler? = nil, handler: @escaping Handler) throws {
        signal(SIGPIPE, SIG_IGN)  // writes use MSG_NOSIGNAL too; this covers anything else in the process
        self.configuration = configuration
        let listener = try Socket.makeListener(host: configuration.host, port: configuration.port,
                                               backlog: configuration.backlog)
        self.port = listener.port
        var loops: [EventLoop] = []
        do {
            for index in 0..<configuration.eventLoopCount { loops.append(try EventLoop(index: index)) }
        } catch {
            Socket.close(listener.fd)
            for loop in loops { _ = loop.inbox.close(); loop.epoll.close() }
            throw error
        }
        self.loops = loops
        let shared = HTTPServerShared(configuration: configuration, immediate: immediate, handler: handler, loopCount: loops.count)
        self.shared = shared
        for loop in loops {
            let listenerFD: Int32? = loop.index == 0 ? listener.fd : nil
            let peers = loops
            do {
                try loop.start {
                    EventLoopWorker(loop: loop, peers: peers, shared: shared, listener: listenerFD).run()
                }
            } catch {
                // Loops already running are told to stop; the listener belongs to loop 0 once it runs.
                if loop.index == 0 { Socket.close(listener.fd) }
                for other in loops where other.index < loop.index { other.inbox.post(.shutdown(graceDeadline: 0)) }
                for other in loops where other.index >= loop.index { shared.loopFinished(); _ = other.inbox.close(); other.epoll.close() }
                throw error
            }
        }
    }

    /// Connections currently open, across all loops.
    public var openConnectionCount: Int { shared.openConnections.load(ordering: .relaxed) }

    /// Graceful shutdown: stop accepting, close idle connections, let requests in flight finish (their
    /// responses carry `Connection: close`) for at most `shutdownGracePeriod`, then close everything and
    /// join the loop threads. Safe to call more than once and from several tasks; every caller returns once
    /// the server has stopped.
    public func shutdown() async {
        if shared.beginShutdown() {
            let deadline = MonotonicClock.now() + MonotonicClock.nanoseconds(configuration.shutdownGracePeriod)
            for loop in loops { loop.inbox.post(.shutdown(graceDeadline: deadline)) }
        }
        await waitUntilStopped()
        for loop in loops { loop.join() }
    }

    /// Returns when every loop thread has finished (after a shutdown).
    public func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if !shared.addStopWaiter(continuation) { continuation.resume() }
        }
    }
}

/// State every loop of one server shares.
final class HTTPServerShared: Sendable {
    private struct Lifecycle {
        var shuttingDown = false
        var runningLoops: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let configuration: HTTPServerConfiguration
    let handler: HTTPServer.Handler
    let immediate: HTTPServer.ImmediateHandler?
    let openConnections = Atomic<Int>(0)
    let headerTimeout: UInt64
    let idleTimeout: UInt64
    let drainTimeout: UInt64
    let acceptBackoff: UInt64
    private let lifecycle: Mutex<Lifecycle>

    init(configuration: HTTPServerConfiguration, immediate: HTTPServer.ImmediateHandler?, handler: @escaping HTTPServer.Handler,
         loopCount: Int) {
        self.configuration = configuration
        self.immediate = immediate
        self.handler = handler
        headerTimeout = MonotonicClock.nanoseconds(configuration.headerTimeout)
        idleTimeout = MonotonicClock.nanoseconds(configuration.idleTimeout)
        drainTimeout = MonotonicClock.nanoseconds(configuration.drainTimeout)
        acceptBackoff = MonotonicClock.nanoseconds(configuration.acceptBackoff)
        lifecycle = Mutex(Lifecycle(runningLoops: loopCount))
    }

    /// True for the first caller only.
    func beginShutdown() -> Bool {
        lifecycle.withLock { state in
            defer { state.shuttingDown = true }
            return !state.shuttingDown
        }
    }

    /// False when every loop has already stopped (the caller resumes the continuation itself).
    func addStopWaiter(_ continuation: CheckedContinuation<Void, Never>) -> Bool {
        lifecycle.withLock { state in
            guard state.runningLoops > 0 else { return false }
            state.waiters.append(continuation)
            return true
        }
    }

    func loopFinished() {
        let waiters = lifecycle.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.runningLoops -= 1
            guard state.runningLoops == 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Delivers the answer to a request an `ImmediateHandler` took: posts it to the connection's event loop.
public struct HTTPResponder: Sendable {
    let inbox: EventLoopInbox
    let connection: UInt64

    public func respond(_ response: HTTPResponse) {
        if !inbox.post(.response(connection: connection, response)) {
            // The loop has exited (shutdown): nobody waits for it, and a stream must learn it is over.
            response.stream?.connectionClosed(.serverShutdown)
        }
    }

    /// The answer built by `make` on the event loop's thread: the caller's thread only posts.
    public func respond(building make: @escaping @Sendable () -> HTTPResponse) {
        if !inbox.post(.deferredResponse(connection: connection, make)) {
            make().stream?.connectionClosed(.serverShutdown)
        }
    }
}
