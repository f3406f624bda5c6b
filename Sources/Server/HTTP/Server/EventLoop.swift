#if canImport(Glibc)
import Glibc
#endif
import CSystemShim
import Synchronization

/// What other threads ask of an event loop. Everything else a loop does, it does on its own thread.
enum EventLoopMessage: Sendable {
    /// Take over a connection the accepting loop handed out (round-robin).
    case adopt(fd: Int32)
    /// A handler finished; `connection` is the registration id the request came from.
    case response(connection: UInt64, HTTPResponse)
    /// The same, with the last step of building the response left to the loop's thread (so a thread that only
    /// learns the outcome, such as the journal's writer, does not also format it).
    case deferredResponse(connection: UInt64, @Sendable () -> HTTPResponse)
    /// A stream response of that connection has bytes (or its end, or its overflow) to deliver.
    case streamReady(connection: UInt64)
    /// Stop accepting, close idle connections, let in-flight requests finish until `graceDeadline` (monotonic ns).
    case shutdown(graceDeadline: UInt64)
}

/// The thread-safe side of a loop: a message queue and the eventfd that wakes its `epoll_wait`.
/// Once closed (the loop exited) posting fails, and the eventfd is never written again, so a late
/// handler can never write into a reused descriptor.
final class EventLoopInbox: Sendable {
    private struct State {
        var messages: [EventLoopMessage] = []
        var isOpen = true
        var wakePending = false
    }

    let wakeFD: Int32
    private let state = Mutex(State())

    init() throws(SocketError) {
        wakeFD = try Syscall.checked("eventfd") { nn_eventfd_nonblocking() }
    }

    /// Queues a message and wakes the loop; false when the loop has already exited.
    @discardableResult
    func post(_ message: EventLoopMessage) -> Bool {
        state.withLock { state in
            guard state.isOpen else { return false }
            state.messages.append(message)
            if !state.wakePending {
                state.wakePending = true
                var one: UInt64 = 1
                _ = try? Syscall.call("write(eventfd)") { Glibc.write(wakeFD, &one, 8) }
            }
            return true
        }
    }

    /// On the loop thread, after the eventfd became readable: resets it and takes every queued message.
    func takeMessages() -> [EventLoopMessage] {
        var counter: UInt64 = 0
        _ = try? Syscall.call("read(eventfd)") { Glibc.read(wakeFD, &counter, 8) }
        return state.withLock { state in
            state.wakePending = false
            defer { state.messages = [] }
            return state.messages
        }
    }

    /// Refuses further messages, closes the eventfd and answers what was still queued (adopted
    /// descriptors in it must still be closed by the caller).
    func close() -> [EventLoopMessage] {
        state.withLock { state in
            state.isOpen = false
            Socket.close(wakeFD)
            defer { state.messages = [] }
            return state.messages
        }
    }
}

/// A handle on one event-loop thread: its index, its inbox and its pthread.
final class EventLoop: Sendable {
    let index: Int
    let inbox: EventLoopInbox
    let epoll: Epoll
    private let thread = Mutex<pthread_t?>(nil)

    init(index: Int) throws(SocketError) {
        self.index = index
        self.inbox = try EventLoopInbox()
        do {
            self.epoll = try Epoll.make()
        } catch {
            _ = inbox.close()
            throw error
        }
    }

    /// Runs `body` on a new dedicated OS thread (never the cooperative pool, never the main actor).
    func start(_ body: @escaping @Sendable () -> Void) throws(SocketError) {
        let id = try PosixThread.spawn(name: "nn-loop-\(index)", body)
        thread.withLock { $0 = id }
    }

    /// Waits for the thread to end; only once, further calls return at once.
    func join() {
        guard let id = thread.withLock({ state -> pthread_t? in defer { state = nil }; return state }) else { return }
        pthread_join(id, nil)
    }
}

enum PosixThread {
    private final class Start {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    static func spawn(name: String, _ body: @escaping @Sendable () -> Void) throws(SocketError) -> pthread_t {
        let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        var id = pthread_t()
        let result = pthread_create(&id, nil, { raw in
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            start.name.withCString { nn_set_thread_name($0) }
            start.body()
            return nil
        }, start)
        guard result == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            throw SocketError(errnoCode: result, function: "pthread_create")
        }
        return id
    }
}
