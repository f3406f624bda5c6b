#if canImport(Glibc)
import Glibc
#endif
import CSystemShim

/// One client thread: non-blocking keep-alive connections driven by epoll, at most one request in flight per
/// connection. Closed loop: each connection sends its next request as soon as the previous answer arrives.
/// Open loop: request i is due at `start + i / rate`; a request waits for a free connection, and its latency is
/// measured from when it was due (so a slow server cannot hide queueing: no coordinated omission).
final class LoadClient: @unchecked Sendable {
    struct Result {
        var completed = 0
        var errors = 0
        var status2xx = 0
        var latenciesNanos: [Int64] = []
        var firstError: String?
        /// Pool indices of the requests answered 2xx: each must be a journaled event.
        var acknowledged: [Int] = []
    }

    enum Mode {
        case closed
        case open(ratePerThread: Double)
    }

    private final class Connection {
        let fd: Int32
        var inFlightSince: Int64 = 0
        var requestIndex = 0
        var busy = false
        var output: [UInt8] = []
        var written = 0
        var input: [UInt8] = []
        init(fd: Int32) { self.fd = fd }
    }

    let pool: RequestPool
    let threadIndex: Int
    let threadCount: Int

    init(pool: RequestPool, threadIndex: Int, threadCount: Int) {
        self.pool = pool
        self.threadIndex = threadIndex
        self.threadCount = threadCount
    }

    /// Runs until `deadline` (monotonic ns) or until this thread's share of the pool is used up.
    func run(host: String, port: Int, connections: Int, mode: Mode, start: Int64, deadline: Int64) -> Result {
        var result = Result()
        let epfd = nn_epoll_create()
        defer { close(epfd) }
        var conns: [Connection] = []
        for index in 0..<connections {
            guard let fd = Self.connect(host: host, port: port) else {
                result.errors += 1
                result.firstError = result.firstError ?? "connect failed: \(String(cString: strerror(errno)))"
                continue
            }
            conns.append(Connection(fd: fd))
            _ = nn_epoll_ctl(epfd, NN_EPOLL_CTL_ADD, fd, NN_EPOLLIN, UInt64(index))
        }
        guard !conns.isEmpty else { return result }
        var next = threadIndex  // index into the pool: this thread takes every threadCount-th request
        var queue: [Int64] = []  // open loop: due times of requests waiting for a connection
        var queueHead = 0
        var idle = Array(conns.indices.reversed())
        var events = [UInt32](repeating: 0, count: 256)
        var datas = [UInt64](repeating: 0, count: 256)
        var buffer = [UInt8](repeating: 0, count: 65536)
        result.latenciesNanos.reserveCapacity(1 << 20)
        var dueIndex = 0

        func send(_ connection: Connection, dueAt: Int64) -> Bool {
            guard next < pool.requests.count else { return false }
            connection.output = pool.requests[next]
            connection.requestIndex = next
            next += threadCount
            connection.written = 0
            connection.busy = true
            connection.inFlightSince = dueAt
            flush(connection)
            return true
        }

        func flush(_ connection: Connection) {
            while connection.written < connection.output.count {
                let count = connection.output.withUnsafeBytes {
                    Glibc.send(connection.fd, $0.baseAddress! + connection.written, $0.count - connection.written, Int32(MSG_NOSIGNAL))
                }
                if count > 0 { connection.written += count } else { break }
            }
        }

        loop: while true {
            let now = Self.now()
            if now >= deadline { break }
            if case .open(let rate) = mode {
                // Requests that came due since the last pass join the queue.
                let due = Int((Double(now - start) / 1e9) * rate)
                while dueIndex < due {
                    queue.append(start + Int64(Double(dueIndex) / rate * 1e9))
                    dueIndex += 1
                }
                while queueHead < queue.count, let slot = idle.popLast() {
                    if !send(conns[slot], dueAt: queue[queueHead]) { idle.append(slot); break loop }
                    queueHead += 1
                }
            } else {
                while let slot = idle.popLast() {
                    if !send(conns[slot], dueAt: now) { if conns.allSatisfy({ !$0.busy }) { break loop }; break }
                }
            }
            var timeout: Int32 = 5
            var shortWait: Int64 = 0
            if case .open(let rate) = mode {
                let nextDue = start + Int64(Double(dueIndex) / rate * 1e9)
                let remaining = nextDue - Self.now()
                timeout = Int32(max(0, min(5, remaining / 1_000_000)))
                // epoll waits in whole milliseconds: a due time closer than that would make this loop spin
                // (and starve the server of the cores it shares with the client); sleep briefly instead.
                if timeout == 0 && remaining > 0 { shortWait = min(remaining, 200_000) }
            }
            let ready = nn_epoll_wait(epfd, &events, &datas, Int32(events.count), timeout)
            if ready <= 0 {
                if shortWait > 0 {
                    var pause = timespec(tv_sec: 0, tv_nsec: Int(shortWait))
                    nanosleep(&pause, nil)
                }
                continue
            }
            for slotIndex in 0..<Int(ready) {
                let slot = Int(datas[slotIndex])
                let connection = conns[slot]
                while true {
                    let count = buffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
                    if count > 0 {
                        connection.input += buffer[0..<count]
                        continue
                    }
                    if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                        result.errors += 1
                        result.firstError = result.firstError ?? "connection closed by the server"
                        _ = nn_epoll_ctl(epfd, NN_EPOLL_CTL_DEL, connection.fd, 0, 0)
                        connection.busy = false
                    }
                    break
                }
                flush(connection)
                while let (status, length) = Self.completeResponse(connection.input) {
                    connection.input.removeFirst(length)
                    let finished = Self.now()
                    result.completed += 1
                    if (200..<300).contains(status) {
                        result.status2xx += 1
                        result.acknowledged.append(connection.requestIndex)
                    } else {
                        result.errors += 1
                        result.firstError = result.firstError ?? "status \(status)"
                    }
                    result.latenciesNanos.append(finished - connection.inFlightSince)
                    connection.busy = false
                    idle.append(slot)
                }
            }
        }
        for connection in conns { close(connection.fd) }
        return result
    }

    /// (status, bytes) of the first complete response in `input` (Content-Length framing), if any.
    static func completeResponse(_ input: [UInt8]) -> (Int, Int)? {
        guard input.count >= 16 else { return nil }
        var headerEnd = -1
        var index = 3
        while index < input.count {
            if input[index] == 10, input[index - 1] == 13, input[index - 2] == 10, input[index - 3] == 13 { headerEnd = index + 1; break }
            index += 1
        }
        guard headerEnd > 0 else { return nil }
        let head = String(decoding: input[0..<headerEnd], as: UTF8.self).lowercased()
        let status = Int(head.dropFirst(9).prefix(3)) ?? 0
        var length = 0
        if let range = head.range(of: "content-length:") {
            let digits = head[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
            length = Int(digits) ?? 0
        }
        guard input.count >= headerEnd + length else { return nil }
        return (status, headerEnd + length)
    }

    static func connect(host: String, port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); return nil }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
    }

    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
