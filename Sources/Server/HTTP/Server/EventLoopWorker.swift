#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The part of an event loop that lives on its thread: the epoll wait, the listener (loop 0 only), the
/// connections keyed by registration id, and the deadlines. Never shared, so it needs no locks; other
/// threads reach it only through `EventLoopInbox`.
///
/// Deadlines: each connection computes its own (header, idle, stall, drain). The worker keeps only the
/// earliest one it has been told about and scans its connections when that moment passes; a scan is
/// O(connections) and happens only when some deadline is actually due.
final class EventLoopWorker {
    private static let wakeID: UInt64 = 0
    private static let listenerID: UInt64 = 1
    private static let maxEvents = 256
    /// Accepts per wake-up, so a connection flood cannot starve the loop's own connections.
    private static let acceptBatch = 128

    let loop: EventLoop
    let shared: HTTPServerShared
    /// Scratch space for every read on this loop; the parser copies what it keeps.
    let readBuffer: UnsafeMutableRawBufferPointer
    private(set) var isShuttingDown = false

    private let peers: [EventLoop]
    private var epoll: Epoll { loop.epoll }
    private var listener: Int32?
    private var listenerArmed = false
    private var acceptResumesAt = UInt64.max
    private var connections: [UInt64: HTTPConnection] = [:]
    private var nextConnectionID: UInt64 = 2
    private var nextPeer = 0
    private var graceDeadline = UInt64.max
    private var nextCheck = UInt64.max
    private let eventMasks: UnsafeMutableBufferPointer<UInt32>
    private let eventIDs: UnsafeMutableBufferPointer<UInt64>

    init(loop: EventLoop, peers: [EventLoop], shared: HTTPServerShared, listener: Int32?) {
        self.loop = loop
        self.peers = peers
        self.shared = shared
        self.listener = listener
        readBuffer = .allocate(byteCount: shared.configuration.readBufferBytes, alignment: 16)
        eventMasks = .allocate(capacity: Self.maxEvents)
        eventIDs = .allocate(capacity: Self.maxEvents)
    }

    deinit {
        readBuffer.deallocate()
        eventMasks.deallocate()
        eventIDs.deallocate()
    }

    func run() {
        do {
            try epoll.add(loop.inbox.wakeFD, events: Epoll.readable, id: Self.wakeID)
        } catch {
            preconditionFailure("cannot register the loop's eventfd: \(error)")
        }
        armListener()
        while !(isShuttingDown && connections.isEmpty) {
            let count = epoll.wait(events: eventMasks, ids: eventIDs,
                                   timeoutMilliseconds: timeoutMilliseconds(now: MonotonicClock.now()))
            for index in 0..<count {
                handle(events: eventMasks[index], id: eventIDs[index])
            }
            let now = MonotonicClock.now()
            if now >= nextCheck { checkDeadlines(now: now) }
        }
        finish()
    }

    // MARK: - Called by connections

    /// Makes sure the loop wakes no later than `deadline` (monotonic ns).
    func schedule(_ deadline: UInt64) {
        if deadline < nextCheck { nextCheck = deadline }
    }

    func remove(_ connection: HTTPConnection) {
        epoll.remove(connection.fd)
        Socket.close(connection.fd)
        connections[connection.id] = nil
        shared.openConnections.subtract(1, ordering: .relaxed)
    }

    // MARK: - Events

    private func handle(events: UInt32, id: UInt64) {
        switch id {
        case Self.wakeID:
            for message in loop.inbox.takeMessages() { receive(message) }
        case Self.listenerID:
            acceptConnections()
        default:
            // A late event for a connection closed earlier in this batch finds nothing: dropped.
            connections[id]?.handle(events: events)
        }
    }

    private func receive(_ message: EventLoopMessage) {
        switch message {
        case .adopt(let fd):
            adopt(fd)
        case .response(let id, let response):
            if let connection = connections[id] {
                connection.respond(response)
            } else {
                // Gone: the connection closed while its request was handled.
                response.stream?.connectionClosed(.clientGone)
            }
        case .deferredResponse(let id, let make):
            let response = make()
            if let connection = connections[id] {
                connection.respond(response)
            } else {
                response.stream?.connectionClosed(.clientGone)
            }
        case .streamReady(let id):
            connections[id]?.pullStream()
        case .shutdown(let deadline):
            beginShutdown(graceDeadline: deadline)
        }
    }

    private func timeoutMilliseconds(now: UInt64) -> Int32 {
        guard nextCheck != .max else { return -1 }
        guard nextCheck > now else { return 0 }
        return Int32(min((nextCheck - now + 999_999) / 1_000_000, 60_000))
    }

    private func checkDeadlines(now: UInt64) {
        nextCheck = .max
        if now >= graceDeadline {
            for connection in Array(connections.values) { connection.close(.serverShutdown) }
            return
        }
        schedule(graceDeadline)
        if acceptResumesAt <= now {
            acceptResumesAt = .max
            armListener()
        } else {
            schedule(acceptResumesAt)
        }
        for connection in Array(connections.values) {
            if connection.deadline <= now { connection.expire() }
            if !connection.isClosed { schedule(connection.deadline) }
        }
    }

    // MARK: - Accepting

    private func armListener() {
        guard let listener, !listenerArmed else { return }
        do {
            try epoll.add(listener, events: Epoll.readable, id: Self.listenerID)
            listenerArmed = true
        } catch {
            pauseAccepting()
        }
    }

    private func pauseAccepting() {
        guard let listener else { return }
        if listenerArmed { epoll.remove(listener) }
        listenerArmed = false
        acceptResumesAt = MonotonicClock.now() + shared.acceptBackoff
        schedule(acceptResumesAt)
    }

    private func acceptConnections() {
        guard let listener else { return }
        let maxConnections = shared.configuration.maxConnections
        for _ in 0..<Self.acceptBatch {
            let fd: Int32
            do {
                switch try Socket.accept(listener) {
                case .wouldBlock: return
                case .processed(let accepted): fd = accepted
                }
            } catch {
                switch error.errnoCode {
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // The listener stays readable; retrying now would spin. Try again after the back-off.
                    pauseAccepting()
                    return
                default:
                    continue  // ECONNABORTED, EPROTO, EPERM...: that one connection failed
                }
            }
            // Only this loop increments the count, so the check cannot race with another accept.
            guard shared.openConnections.load(ordering: .relaxed) < maxConnections else {
                Socket.close(fd)
                continue
            }
            shared.openConnections.add(1, ordering: .relaxed)
            Socket.setNoDelay(fd)
            let target = peers[nextPeer]
            nextPeer = (nextPeer + 1) % peers.count
            if target === loop {
                adopt(fd)
            } else if !target.inbox.post(.adopt(fd: fd)) {
                Socket.close(fd)
                shared.openConnections.subtract(1, ordering: .relaxed)
            }
        }
    }

    private func adopt(_ fd: Int32) {
        let id = nextConnectionID
        nextConnectionID += 1
        do {
            try epoll.add(fd, events: Epoll.readable, id: id)
        } catch {
            Socket.close(fd)
            shared.openConnections.subtract(1, ordering: .relaxed)
            return
        }
        let connection = HTTPConnection(fd: fd, id: id, worker: self, now: MonotonicClock.now())
        connections[id] = connection
        schedule(connection.deadline)
    }

    // MARK: - Shutdown

    private func beginShutdown(graceDeadline deadline: UInt64) {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        graceDeadline = deadline
        schedule(deadline)
        if let listener {
            if listenerArmed { epoll.remove(listener) }
            Socket.close(listener)
            self.listener = nil
            listenerArmed = false
        }
        for connection in Array(connections.values) { connection.closeIfIdle() }
    }

    private func finish() {
        for connection in Array(connections.values) { connection.close(.serverShutdown) }
        if let listener { Socket.close(listener) }
        for message in loop.inbox.close() {
            switch message {
            case .adopt(let fd):
                Socket.close(fd)
                shared.openConnections.subtract(1, ordering: .relaxed)
            case .response(_, let response):
                response.stream?.connectionClosed(.serverShutdown)
            case .deferredResponse(_, let make):
                make().stream?.connectionClosed(.serverShutdown)
            case .streamReady, .shutdown:
                break
            }
        }
        epoll.close()
        shared.loopFinished()
    }
}
