#if canImport(Glibc)
import Glibc
#endif
import CSystemShim

/// A failed socket-layer system call, as a value: which call and which errno (storage has its own `IOError`).
public struct SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    public let errnoCode: Int32
    public let function: String

    public init(errnoCode: Int32, function: String) {
        self.errnoCode = errnoCode
        self.function = function
    }

    public var description: String {
        "\(function) failed: \(String(cString: strerror(errnoCode))) (errno \(errnoCode))"
    }
}

/// The outcome of a non-blocking call: done (with its value), or the kernel would have had to wait.
enum IOResult<Value> {
    case processed(Value)
    case wouldBlock
}

/// The one place system calls go through (swift-nio style): retries `EINTR`, turns `EAGAIN` into a value,
/// treats errnos that can only mean a bug in this process as fatal, and throws `SocketError` otherwise.
enum Syscall {
    @inline(__always)
    static func call<T: FixedWidthInteger>(_ function: StaticString, _ body: () -> T) throws(SocketError) -> IOResult<T> {
        while true {
            let result = body()
            if result >= 0 { return .processed(result) }
            let code = errno
            switch code {
            case EINTR:
                continue
            case EAGAIN:
                return .wouldBlock
            case EBADF, EFAULT:
                preconditionFailure("\(function): errno \(code) can only mean a bug (a closed descriptor or a bad pointer)")
            default:
                throw SocketError(errnoCode: code, function: "\(function)")
            }
        }
    }

    /// For calls that never legitimately answer EAGAIN (setup calls on blocking paths).
    @inline(__always)
    static func checked<T: FixedWidthInteger>(_ function: StaticString, _ body: () -> T) throws(SocketError) -> T {
        switch try call(function, body) {
        case .processed(let value): return value
        case .wouldBlock: throw SocketError(errnoCode: EAGAIN, function: "\(function)")
        }
    }
}

/// Non-blocking TCP socket operations on raw descriptors; the event loop owns the descriptors.
enum Socket {
    /// A non-blocking IPv4 listening socket with SO_REUSEADDR; answers the descriptor and the bound port
    /// (useful with port 0, which asks the kernel for an ephemeral port).
    static func makeListener(host: String, port: Int, backlog: Int32) throws(SocketError) -> (fd: Int32, port: Int) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        guard (0...65535).contains(port), inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw SocketError(errnoCode: EINVAL, function: "listen address \(host):\(port) (an IPv4 address is required)")
        }
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = try Syscall.checked("socket") { Glibc.socket(AF_INET, type, 0) }
        do {
            var one: Int32 = 1
            _ = try Syscall.checked("setsockopt(SO_REUSEADDR)") {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = try Syscall.checked("bind") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            _ = try Syscall.checked("listen") { Glibc.listen(fd, backlog) }
            var bound = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = try Syscall.checked("getsockname") {
                withUnsafeMutablePointer(to: &bound) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
                }
            }
            return (fd, Int(UInt16(bigEndian: bound.sin_port)))
        } catch {
            close(fd)
            throw error
        }
    }

    /// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC.
    static func accept(_ listener: Int32) throws(SocketError) -> IOResult<Int32> {
        try Syscall.call("accept4") { nn_accept4_nonblocking(listener) }
    }

    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> IOResult<Int> {
        try Syscall.call("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// send with MSG_NOSIGNAL, so a peer that went away is an EPIPE error, never a SIGPIPE.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SocketError) -> IOResult<Int> {
        try Syscall.call("send") { Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Sends FIN: the peer reads everything written so far, then end of file.
    static func shutdownWrite(_ fd: Int32) {
        _ = try? Syscall.call("shutdown") { Glibc.shutdown(fd, Int32(SHUT_WR)) }
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Caps the kernel's send buffer (Linux doubles the value and stops autotuning it).
    static func setSendBuffer(_ fd: Int32, bytes: Int) {
        var size = Int32(clamping: bytes)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// close(2) is not retried on EINTR: on Linux the descriptor is released either way.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}

/// CLOCK_MONOTONIC in nanoseconds; deadlines are compared in this unit.
enum MonotonicClock {
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
