import CCrypto
#if canImport(Glibc)
import Glibc
#endif

/// A client TCP connection, optionally upgraded to TLS, with blocking-style reads and writes bounded by
/// deadlines: the socket is non-blocking and every wait is a poll(2) that ends at the deadline. Received
/// bytes wait in `buffer` until a protocol reader consumes them. Used by one thread at a time.
final class OutboundStream {
    let fd: Int32
    let host: String
    let port: Int
    private var tls: TLSSession?
    /// Received bytes not yet consumed, from `bufferStart`.
    private(set) var buffer: [UInt8] = []
    private(set) var bufferStart = 0
    private var closed = false

    private init(fd: Int32, host: String, port: Int) {
        self.fd = fd
        self.host = host
        self.port = port
    }

    deinit { close() }

    var isTLS: Bool { tls != nil }

    /// Resolves `host` and connects to the first address that answers before `deadline`.
    static func connect(host: String, port: Int, deadline: UInt64) throws(OutboundIOError) -> OutboundStream {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { throw .resolve(host: host) }
        defer { freeaddrinfo(list) }
        var lastError: OutboundIOError = .connect(host: host, port: port, errno: ECONNREFUSED)
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let current = node {
            node = current.pointee.ai_next
            let fd = socket(current.pointee.ai_family,
                            current.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                            current.pointee.ai_protocol)
            guard fd >= 0 else { lastError = .io(function: "socket", errno: errno); continue }
            let stream = OutboundStream(fd: fd, host: host, port: port)
            do {
                try stream.finishConnect(current.pointee.ai_addr, current.pointee.ai_addrlen, deadline: deadline)
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return stream
            } catch {
                lastError = error
                if error.isTimeout { throw error }
            }
        }
        throw lastError
    }

    private func finishConnect(_ address: UnsafeMutablePointer<sockaddr>!, _ length: socklen_t, deadline: UInt64) throws(OutboundIOError) {
        if Glibc.connect(fd, address, length) == 0 { return }
        guard errno == EINPROGRESS || errno == EINTR else { throw .connect(host: host, port: port, errno: errno) }
        try wait(events: Int16(POLLOUT), deadline: deadline, phase: .connect)
        var code: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size)
        guard code == 0 else { throw .connect(host: host, port: port, errno: code) }
    }

    /// Runs the TLS handshake (implicit TLS, or after STARTTLS) and verifies the peer for `serverName`.
    func startTLS(context: TLSClientContext, serverName: String, deadline: UInt64) throws(OutboundIOError) {
        precondition(tls == nil && bufferStart == buffer.count, "TLS must start on a clean stream")
        let session = try TLSSession(context: context, fd: fd, serverName: serverName)
        while true {
            switch try session.step(SSL_connect(session.ssl)) {
            case .done: tls = session; return
            case .wantRead: try wait(events: Int16(POLLIN), deadline: deadline, phase: .connect)
            case .wantWrite: try wait(events: Int16(POLLOUT), deadline: deadline, phase: .connect)
            case .closed: throw .tls("the peer closed the connection during the handshake")
            }
        }
    }

    /// Writes every byte before `deadline`.
    func writeAll(_ bytes: [UInt8], deadline: UInt64) throws(OutboundIOError) {
        var offset = 0
        while offset < bytes.count {
            let attempt = bytes.withUnsafeBytes { raw in
                Result { () throws(OutboundIOError) -> Int? in
                    try writeSome(UnsafeRawBufferPointer(rebasing: raw[offset...]), deadline: deadline)
                }
            }
            if let written = try attempt.get() { offset += written }
        }
    }

    /// One write attempt: the bytes written, or nil after waiting for the socket.
    private func writeSome(_ bytes: UnsafeRawBufferPointer, deadline: UInt64) throws(OutboundIOError) -> Int? {
        if let tls {
            switch try tls.step(SSL_write(tls.ssl, bytes.baseAddress, Int32(min(bytes.count, Int(Int32.max))))) {
            case .done(let count): return count
            case .wantRead: try wait(events: Int16(POLLIN), deadline: deadline, phase: .write)
            case .wantWrite: try wait(events: Int16(POLLOUT), deadline: deadline, phase: .write)
            case .closed: throw .closed
            }
            return nil
        }
        let result = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        if result >= 0 { return result }
        switch errno {
        case EINTR: return nil
        case EAGAIN: try wait(events: Int16(POLLOUT), deadline: deadline, phase: .write); return nil
        case EPIPE, ECONNRESET: throw .closed
        default: throw .io(function: "send", errno: errno)
        }
    }

    /// Reads what is available (waiting until `deadline` for at least one byte) into `buffer`.
    /// Returns false at end of stream.
    @discardableResult
    func fill(deadline: UInt64, phase: OutboundIOError.Phase = .read) throws(OutboundIOError) -> Bool {
        compact()
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let attempt = chunk.withUnsafeMutableBytes { raw in
                Result { () throws(OutboundIOError) -> Int? in try readSome(raw, deadline: deadline, phase: phase) }
            }
            guard let count = try attempt.get() else { continue }
            if count == 0 { return false }
            buffer += chunk[0..<count]
            return true
        }
    }

    private func readSome(_ raw: UnsafeMutableRawBufferPointer, deadline: UInt64, phase: OutboundIOError.Phase) throws(OutboundIOError) -> Int? {
        if let tls {
            switch try tls.step(SSL_read(tls.ssl, raw.baseAddress, Int32(raw.count))) {
            case .done(let count): return count
            case .closed: return 0
            case .wantRead: try wait(events: Int16(POLLIN), deadline: deadline, phase: phase)
            case .wantWrite: try wait(events: Int16(POLLOUT), deadline: deadline, phase: phase)
            }
            return nil
        }
        let result = recv(fd, raw.baseAddress, raw.count, 0)
        if result >= 0 { return result }
        switch errno {
        case EINTR: return nil
        case EAGAIN: try wait(events: Int16(POLLIN), deadline: deadline, phase: phase); return nil
        case ECONNRESET: throw .closed
        default: throw .io(function: "recv", errno: errno)
        }
    }

    /// Marks `count` buffered bytes as consumed.
    func consume(_ count: Int) {
        precondition(count <= buffer.count - bufferStart)
        bufferStart += count
    }

    /// The unconsumed bytes.
    var available: ArraySlice<UInt8> { buffer[bufferStart...] }

    private func compact() {
        guard bufferStart > 0 else { return }
        buffer.removeFirst(bufferStart)
        bufferStart = 0
    }

    /// Reads one line ending in CRLF (returned without it), at most `maxBytes` long.
    func readLine(deadline: UInt64, maxBytes: Int) throws(OutboundIOError) -> [UInt8] {
        var searchFrom = bufferStart
        while true {
            if let lf = buffer[searchFrom...].firstIndex(of: 10) {
                var end = lf
                if end > bufferStart, buffer[end - 1] == 13 { end -= 1 }
                let line = Array(buffer[bufferStart..<end])
                bufferStart = lf + 1
                return line
            }
            let scanned = buffer.count - bufferStart
            guard scanned <= maxBytes else { throw .protocolViolation("line longer than \(maxBytes) bytes") }
            guard try fill(deadline: deadline) else { throw .closed }
            searchFrom = bufferStart + scanned  // fill moved the unconsumed bytes to the front
        }
    }

    /// An idle pooled connection is reusable when the peer has neither closed it nor sent anything unexpected.
    /// For TLS, bytes that are only session tickets (TLS 1.3 sends them after the handshake) leave it usable.
    var isReusable: Bool {
        guard !closed, bufferStart == buffer.count else { return false }
        var probe = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&probe, 1, 0)
        if ready == 0 { return true }
        guard ready == 1, probe.revents & Int16(POLLHUP | POLLERR) == 0, let tls else { return false }
        var scratch: UInt8 = 0
        let result = SSL_read(tls.ssl, &scratch, 1)
        guard result <= 0 else { return false }
        let usable = SSL_get_error(tls.ssl, result) == SSL_ERROR_WANT_READ
        ERR_clear_error()
        return usable
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let tls { _ = SSL_shutdown(tls.ssl); ERR_clear_error() }
        tls = nil
        Glibc.close(fd)
    }

    private func wait(events: Int16, deadline: UInt64, phase: OutboundIOError.Phase) throws(OutboundIOError) {
        while true {
            let timeout = Deadline.pollMilliseconds(until: deadline)
            guard timeout > 0 else { throw .timedOut(phase) }
            var probe = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&probe, 1, timeout)
            if ready > 0 { return }
            if ready < 0, errno != EINTR { throw .io(function: "poll", errno: errno) }
        }
    }
}
