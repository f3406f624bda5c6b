import Synchronization

/// The body of a streaming response (Server-Sent Events): server code pushes bytes with `send` for as
/// long as the client stays, and learns through `onClose` when the stream ends, whoever ended it.
///
/// Framing: an HTTP/1.1 client gets `Transfer-Encoding: chunked` (so a clean end, `0\r\n\r\n`, differs
/// from a cut); an HTTP/1.0 client gets the bytes unframed. Either way the connection closes after the
/// stream: requests pipelined behind a stream are never answered.
///
/// Memory is bounded: bytes wait here until the connection's own output has gone to the socket, and
/// when more than `maxBufferedBytes` wait (a client that does not read), the stream is closed as
/// `.tooSlow` and the connection dropped. `send` never blocks, so a producer on the ingest path is never
/// slowed by a client.
public final class HTTPResponseStream: Sendable {
    public enum CloseReason: Sendable, Equatable {
        /// `finish()` was called and the end went out.
        case finished
        /// The client closed the connection, or writing to it failed.
        case clientGone
        /// The client read too slowly: more than `maxBufferedBytes` were waiting.
        case tooSlow
        /// The server is shutting down.
        case serverShutdown
    }

    /// Bytes waiting for the connection at most; over it the client is dropped.
    public let maxBufferedBytes: Int
    /// Written when nothing else was for `heartbeatInterval`, so proxies keep the connection and a
    /// vanished client is noticed (the write fails). Empty: none.
    public let heartbeat: [UInt8]
    public let heartbeatInterval: Duration

    private struct Binding {
        let inbox: EventLoopInbox
        let connection: UInt64
    }

    private struct State {
        var pending: [UInt8] = []
        var finishing = false
        var closed: CloseReason?
        var wakePosted = false
        var binding: Binding?
        var onClose: (@Sendable (CloseReason) -> Void)?
    }

    private let state = Mutex(State())

    public init(maxBufferedBytes: Int = 256 * 1024, heartbeat: [UInt8] = [],
                heartbeatInterval: Duration = .seconds(15)) {
        precondition(maxBufferedBytes > 0)
        self.maxBufferedBytes = maxBufferedBytes
        self.heartbeat = heartbeat
        self.heartbeatInterval = heartbeatInterval
    }

    // MARK: - Producer side (any thread)

    /// Queues bytes for the client. False when the stream is over (the caller should stop producing);
    /// a send that overflows the buffer closes the stream as `.tooSlow` and answers false.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var overflowed: (@Sendable (CloseReason) -> Void)?
        let (accepted, wake) = state.withLock { state -> (Bool, Binding?) in
            guard state.closed == nil, !state.finishing else { return (false, nil) }
            if state.pending.count + bytes.count > maxBufferedBytes {
                state.closed = .tooSlow
                state.pending = []
                overflowed = state.onClose
                state.onClose = nil
                return (false, Self.takeWake(&state, force: true))
            }
            state.pending += bytes
            return (true, Self.takeWake(&state, force: false))
        }
        if let wake { wake.inbox.post(.streamReady(connection: wake.connection)) }
        overflowed?(.tooSlow)
        return accepted
    }

    /// Ends the stream once what is queued has gone out; `onClose` then reports `.finished`.
    public func finish() {
        let wake = state.withLock { state -> Binding? in
            guard state.closed == nil, !state.finishing else { return nil }
            state.finishing = true
            return Self.takeWake(&state, force: false)
        }
        if let wake { wake.inbox.post(.streamReady(connection: wake.connection)) }
    }

    /// Called exactly once when the stream ends (at once if it already has). It may run on an event-loop
    /// thread or in `send`'s caller: keep it short and non-blocking.
    public func onClose(_ handler: @escaping @Sendable (CloseReason) -> Void) {
        let reason = state.withLock { state -> CloseReason? in
            if state.closed == nil { state.onClose = handler }
            return state.closed
        }
        if let reason { handler(reason) }
    }

    /// Nil while the stream runs.
    public var closeReason: CloseReason? { state.withLock { $0.closed } }

    /// Bytes waiting for the connection.
    public var bufferedBytes: Int { state.withLock { $0.pending.count } }

    // MARK: - Event-loop side

    /// What the loop takes when the connection can write more.
    struct Take {
        var bytes: [UInt8]
        var finished: Bool
        var closed: CloseReason?
    }

    /// Ties the stream to its connection; bytes sent before this are delivered now.
    func attach(inbox: EventLoopInbox, connection: UInt64) {
        let wake = state.withLock { state -> Binding? in
            state.binding = Binding(inbox: inbox, connection: connection)
            return state.pending.isEmpty && !state.finishing && state.closed == nil ? nil : Self.takeWake(&state, force: false)
        }
        if let wake { wake.inbox.post(.streamReady(connection: wake.connection)) }
    }

    /// Everything queued; the next `send` wakes the loop again.
    func take() -> Take {
        state.withLock { state in
            state.wakePosted = false
            defer { state.pending = [] }
            return Take(bytes: state.pending, finished: state.finishing, closed: state.closed)
        }
    }

    /// The connection is gone (or the stream ended): reports `reason` unless a reason was already known.
    func connectionClosed(_ reason: CloseReason) {
        let handler = state.withLock { state -> (@Sendable (CloseReason) -> Void)? in
            guard state.closed == nil else { return nil }
            state.closed = reason
            state.pending = []
            state.binding = nil
            defer { state.onClose = nil }
            return state.onClose
        }
        handler?(reason)
    }

    private static func takeWake(_ state: inout State, force: Bool) -> Binding? {
        guard let binding = state.binding, force || !state.wakePosted else { return nil }
        state.wakePosted = true
        return binding
    }
}

/// A stream response is compared by identity (the same stream object).
extension HTTPResponseStream: Equatable {
    public static func == (lhs: HTTPResponseStream, rhs: HTTPResponseStream) -> Bool { lhs === rhs }
}
