#if canImport(Glibc)
import Glibc
#endif

/// One client connection, owned by the event loop that registered it (all calls happen on that thread).
///
/// Phases: `reading` (parse what arrives) → `handling` (a request is with the handler; reading stops, so
/// pipelined bytes wait in the parser) → back to `reading` for keep-alive, or `closing` (flush the last
/// answer) → `draining` (FIN sent, read and discard until the client closes or `drainTimeout`) → `closed`.
/// A stream response goes `handling` → `streaming` (bytes from the `HTTPResponseStream` go out as they
/// come; what the client sends is read and discarded, so its going away is noticed) → `closing`.
/// Buffers are bounded: the parser by its limits, the loop reads no more while the unsent output is
/// over `outputHighWater`, and takes no more from a stream then either (the stream's own limit applies).
final class HTTPConnection {
    enum Phase: Equatable {
        case reading
        case handling
        case closing
        case draining
        case streaming
        case closed
    }

    static let outputHighWater = 64 * 1024
    static let streamSendBuffer = 64 * 1024
    /// A client that keeps sending after the answer is cut off after this much, drain deadline or not.
    static let maxDrainBytes = 4 * 1024 * 1024

    let fd: Int32
    let id: UInt64
    private unowned let worker: EventLoopWorker
    private var parser: HTTPRequestParser
    private(set) var phase = Phase.reading
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var registeredEvents = Epoll.readable
    private var requestsStarted = 0
    private var inFlightKeepAlive = true
    private var inFlightVersion = HTTPVersion.http1_1
    private var peerClosed = false
    /// When the current head began: accept time for the first request, first byte or end of the previous response later.
    private var headStartedAt: UInt64
    /// Last byte read or written.
    private var lastActivity: UInt64
    private var drainStartedAt: UInt64 = 0
    private var drainedBytes = 0
    private var stream: HTTPResponseStream?
    private var streamChunked = true

    init(fd: Int32, id: UInt64, worker: EventLoopWorker, now: UInt64) {
        self.fd = fd
        self.id = id
        self.worker = worker
        self.parser = HTTPRequestParser(limits: worker.shared.configuration.limits)
        self.headStartedAt = now
        self.lastActivity = now
    }

    var isClosed: Bool { phase == .closed }
    private var pendingOutput: Int { output.count - outputOffset }

    // MARK: - Events from the loop

    func handle(events: UInt32) {
        if events & Epoll.errorOrHangUp != 0, phase != .reading, phase != .draining {
            close()  // nobody to answer any more; level-triggered ERR/HUP would otherwise repeat forever
            return
        }
        if events & Epoll.writable != 0 {
            flush()
            if phase == .streaming { pullStream() }
        }
        if events & (Epoll.readable | Epoll.errorOrHangUp) != 0, !isClosed { readable() }
        afterEvent()
    }

    /// The handler's answer for the request in flight.
    func respond(_ response: HTTPResponse) {
        guard phase == .handling else {
            response.stream?.connectionClosed(.clientGone)
            return
        }
        if let stream = response.stream {
            startStream(response, stream)
            afterEvent()
            return
        }
        let now = MonotonicClock.now()
        let keepAlive = inFlightKeepAlive && !worker.isShuttingDown && !peerClosed
        response.serialize(into: &output, keepAlive: keepAlive, requestVersion: inFlightVersion)
        lastActivity = now
        headStartedAt = now
        if keepAlive {
            phase = .reading
            processInput()  // pipelined requests may already be buffered
        } else {
            phase = .closing
            flush()
        }
        afterEvent()
    }

    /// The deadline passed: see `HTTPServerConfiguration` for what each one means.
    func expire() {
        switch phase {
        case .streaming:
            guard pendingOutput == 0, let stream, !stream.heartbeat.isEmpty else {
                close(.tooSlow)  // no byte taken by the client for the idle timeout
                return
            }
            appendStreamBytes(stream.heartbeat)
            flush()
            afterEvent()
        case .reading where parser.phase == .head || parser.phase == .body:
            let timeout = HTTPResponse.error(status: 408, code: "request_timeout",
                                             message: "The request was not received in time.")
            timeout.serialize(into: &output, keepAlive: false)
            phase = .closing
            flush()
            afterEvent()
        default:
            close()
        }
    }

    func closeIfIdle() {
        if phase == .reading, parser.phase == .idle, pendingOutput == 0 { close() }
        if phase == .streaming {
            endStream(.serverShutdown)
            flush()
            afterEvent()
        }
    }

    /// `reason` is what a stream still running learns.
    func close(_ reason: HTTPResponseStream.CloseReason = .clientGone) {
        guard phase != .closed else { return }
        phase = .closed
        worker.remove(self)
        if let stream {
            self.stream = nil
            stream.connectionClosed(reason)
        }
    }

    /// Monotonic ns when this connection must have made progress; `.max` for none (a request being handled).
    var deadline: UInt64 {
        let shared = worker.shared
        switch phase {
        case .closed:
            return .max
        case .draining:
            return drainStartedAt &+ shared.drainTimeout
        case .handling:
            return pendingOutput > 0 ? lastActivity &+ shared.idleTimeout : .max
        case .closing:
            return lastActivity &+ shared.idleTimeout
        case .streaming:
            // A stall (output the client does not take), else the next heartbeat.
            if pendingOutput > 0 { return lastActivity &+ shared.idleTimeout }
            guard let stream, !stream.heartbeat.isEmpty else { return .max }
            return lastActivity &+ MonotonicClock.nanoseconds(stream.heartbeatInterval)
        case .reading:
            let stall = pendingOutput > 0 ? lastActivity &+ shared.idleTimeout : .max
            switch parser.phase {
            case .idle:
                return min(stall, requestsStarted == 0 ? headStartedAt &+ shared.headerTimeout
                                                       : lastActivity &+ shared.idleTimeout)
            case .head:
                return min(stall, headStartedAt &+ shared.headerTimeout)
            case .body, .closed, .failed:
                return lastActivity &+ shared.idleTimeout
            }
        }
    }

    // MARK: - Reading

    private func readable() {
        switch phase {
        case .reading:
            let count: Int
            do {
                switch try Socket.read(fd, into: worker.readBuffer) {
                case .wouldBlock: return
                case .processed(let read): count = read
                }
            } catch {
                close()
                return
            }
            guard count > 0 else {
                // The client sent FIN. Nothing can follow; finish writing what is queued, then close.
                peerClosed = true
                if pendingOutput == 0 { close() } else { phase = .closing }
                return
            }
            let now = MonotonicClock.now()
            if parser.phase == .idle, requestsStarted > 0 { headStartedAt = now }
            lastActivity = now
            parser.read(UnsafeRawBufferPointer(rebasing: worker.readBuffer[..<count]))
            processInput()
        case .draining, .streaming:
            drain()
        case .handling, .closing, .closed:
            return
        }
    }

    /// Runs the parser over what is buffered until it needs more bytes, a request goes to the handler, or
    /// the connection is to be closed.
    private func processInput() {
        loop: while phase == .reading {
            switch parser.next() {
            case .readMore:
                break loop
            case .sendContinue:
                output += HTTPResponse.continueBytes
            case .handleRequest(let request):
                dispatch(request)
            case .reject(let error):
                error.response.serialize(into: &output, keepAlive: false,
                                         requestVersion: error.requestLine?.version ?? .http1_1)
                phase = .closing
            }
        }
        flush()
    }

    private func dispatch(_ request: HTTPRequest) {
        phase = .handling
        requestsStarted += 1
        inFlightKeepAlive = request.keepAlive
        inFlightVersion = request.version
        let responder = HTTPResponder(inbox: worker.loop.inbox, connection: id)
        if let immediate = worker.shared.immediate, immediate(request, responder) { return }
        let handler = worker.shared.handler
        Task { responder.respond(await handler(request)) }
    }

    private func drain() {
        for _ in 0..<16 {
            do {
                switch try Socket.read(fd, into: worker.readBuffer) {
                case .wouldBlock:
                    return
                case .processed(0):
                    close()
                    return
                case .processed(let count):
                    drainedBytes += count
                    if drainedBytes > Self.maxDrainBytes {
                        close()
                        return
                    }
                }
            } catch {
                close()
                return
            }
        }
    }

    // MARK: - Streaming

    private func startStream(_ response: HTTPResponse, _ stream: HTTPResponseStream) {
        guard !peerClosed else {
            phase = .closing
            stream.connectionClosed(.clientGone)
            flush()
            return
        }
        self.stream = stream
        // Long-lived and possibly many: the stream's own limit, not the kernel's autotuned buffer (megabytes
        // per connection), decides how far a client may fall behind.
        Socket.setSendBuffer(fd, bytes: Self.streamSendBuffer)
        streamChunked = inFlightVersion == .http1_1
        response.serializeStreamHead(into: &output, chunked: streamChunked)
        phase = .streaming
        lastActivity = MonotonicClock.now()
        if worker.isShuttingDown {
            endStream(.serverShutdown)
        } else {
            stream.attach(inbox: worker.loop.inbox, connection: id)
        }
        flush()
    }

    /// Moves what the stream has queued into the output, unless the output is still over the high-water
    /// mark (then the writable event comes back here once it drains).
    func pullStream() {
        guard phase == .streaming, let stream else { return }
        if pendingOutput >= Self.outputHighWater {
            if stream.closeReason != nil { close(.tooSlow) }
            return
        }
        let take = stream.take()
        if take.closed != nil {
            close(.tooSlow)  // it overflowed: drop the client without a clean end
            return
        }
        appendStreamBytes(take.bytes)
        if take.finished { endStream(.finished) }
        flush()
        afterEvent()
    }

    private func appendStreamBytes(_ bytes: [UInt8]) {
        if streamChunked {
            HTTPResponse.appendChunk(bytes, to: &output)
        } else {
            output += bytes
        }
    }

    /// Writes the end of the body and closes gracefully once it is out.
    private func endStream(_ reason: HTTPResponseStream.CloseReason) {
        guard phase == .streaming else { return }
        if streamChunked { output += HTTPResponse.lastChunk }
        phase = .closing
        if let stream {
            self.stream = nil
            stream.connectionClosed(reason)
        }
    }

    // MARK: - Writing

    private func flush() {
        while outputOffset < output.count {
            do {
                let result = try output.withUnsafeBytes { bytes in
                    try Socket.write(fd, UnsafeRawBufferPointer(rebasing: bytes[outputOffset...]))
                }
                switch result {
                case .wouldBlock:
                    return
                case .processed(let written):
                    outputOffset += written
                    lastActivity = MonotonicClock.now()
                }
            } catch {
                close()
                return
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= Self.outputHighWater)
        outputOffset = 0
        if phase == .closing {
            if peerClosed {
                close()
            } else {
                // Graceful close: FIN after the answer, then keep reading so unread input does not turn into a reset.
                Socket.shutdownWrite(fd)
                phase = .draining
                drainStartedAt = MonotonicClock.now()
            }
        }
    }

    // MARK: - Bookkeeping

    /// Re-registers interest when it changed and tells the loop about the (possibly earlier) deadline.
    private func afterEvent() {
        guard phase != .closed else { return }
        if worker.isShuttingDown, phase == .reading, parser.phase == .idle, pendingOutput == 0 {
            close()
            return
        }
        var events: UInt32 = 0
        if pendingOutput > 0 { events |= Epoll.writable }
        switch phase {
        case .reading where pendingOutput < Self.outputHighWater, .draining, .streaming:
            events |= Epoll.readable
        default:
            break
        }
        if events != registeredEvents {
            do {
                try worker.loop.epoll.modify(fd, events: events, id: id)
                registeredEvents = events
            } catch {
                close()
                return
            }
        }
        worker.schedule(deadline)
    }
}
