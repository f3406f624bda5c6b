import Synchronization

/// Idle keep-alive connections per origin. A connection is in the pool only while idle; a request takes
/// one out (or opens a new one) and gives it back after a complete response that allows reuse.
final class HTTPClientPool: Sendable {
    private struct Idle {
        let stream: UnsafeTransfer<OutboundStream>
        let since: UInt64
    }

    private let idle = Mutex<[String: [Idle]]>([:])
    private let maxPerOrigin: Int
    private let idleTimeout: UInt64

    init(maxPerOrigin: Int, idleTimeout: Duration) {
        self.maxPerOrigin = maxPerOrigin
        self.idleTimeout = MonotonicClock.nanoseconds(idleTimeout)
    }

    /// The most recently used idle connection to `origin` that is still fit for use; stale ones are closed.
    func take(origin: String) -> OutboundStream? {
        let now = MonotonicClock.now()
        while true {
            let candidate = idle.withLock { pool -> Idle? in pool[origin]?.popLast() }
            guard let candidate else { return nil }
            let stream = candidate.stream.value
            if now &- candidate.since < idleTimeout, stream.isReusable { return stream }
            stream.close()
        }
    }

    func giveBack(_ stream: OutboundStream, origin: String) {
        let kept = idle.withLock { pool -> Bool in
            guard pool[origin, default: []].count < maxPerOrigin else { return false }
            pool[origin, default: []].append(Idle(stream: UnsafeTransfer(stream), since: MonotonicClock.now()))
            return true
        }
        if !kept { stream.close() }
    }

    /// Idle connections per origin (tests check reuse with it).
    func idleCount(origin: String) -> Int { idle.withLock { $0[origin]?.count ?? 0 } }

    func closeAll() {
        let all = idle.withLock { pool -> [Idle] in
            defer { pool = [:] }
            return pool.values.flatMap { $0 }
        }
        for entry in all { entry.stream.value.close() }
    }
}

/// Moves a non-Sendable value between threads where ownership passes whole (a pooled connection is used
/// by one request at a time, and the pool's lock orders the hand-over).
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
