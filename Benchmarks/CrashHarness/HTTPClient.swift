#if canImport(Glibc)
import Glibc
#endif

/// One answer: status and body.
struct HTTPAnswer {
    var status: Int
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

enum HTTPFailure: Error, CustomStringConvertible {
    case connect(String)
    case io(String)
    case closed
    case malformed

    var description: String {
        switch self {
        case .connect(let why): "connect: \(why)"
        case .io(let why): "i/o: \(why)"
        case .closed: "connection closed before a complete answer"
        case .malformed: "malformed answer"
        }
    }
}

/// A blocking keep-alive HTTP/1.1 connection to loopback with send and receive timeouts, one request at a
/// time: a request either gets a complete answer or fails, which is all a crash test needs to know.
final class HTTPClientConnection {
    private let fd: Int32
    private var input: [UInt8] = []

    init(port: Int, timeoutSeconds: Int = 30) throws(HTTPFailure) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connect("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .connect(reason)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
    }

    deinit { close(fd) }

    func exchange(_ request: [UInt8]) throws(HTTPFailure) -> HTTPAnswer {
        try write(request)
        return try readAnswer()
    }

    /// Sends without waiting for the answer (used to have a request in flight at the moment of a kill).
    func write(_ request: [UInt8]) throws(HTTPFailure) {
        var written = 0
        while written < request.count {
            let count = request.withUnsafeBytes { send(fd, $0.baseAddress! + written, $0.count - written, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { throw .io(String(cString: strerror(errno))) }
            written += count
        }
    }

    private func readAnswer() throws(HTTPFailure) -> HTTPAnswer {
        var buffer = [UInt8](repeating: 0, count: 65536)
        for _ in 0..<100_000 {
            if let (answer, used) = try Self.parse(input) {
                input.removeFirst(used)
                return answer
            }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { throw .closed }
            if count < 0 { throw .io(String(cString: strerror(errno))) }
            input += buffer[0..<count]
        }
        throw .malformed
    }

    /// The first complete answer in `bytes` (Content-Length framing) and the bytes it used.
    static func parse(_ bytes: [UInt8]) throws(HTTPFailure) -> (HTTPAnswer, Int)? {
        guard bytes.count >= 12 else { return nil }
        var headerEnd = -1
        var index = 3
        while index < bytes.count {
            if bytes[index] == 10, bytes[index - 1] == 13, bytes[index - 2] == 10, bytes[index - 3] == 13 { headerEnd = index + 1; break }
            index += 1
        }
        guard headerEnd > 0 else { return nil }
        let head = String(decoding: bytes[0..<headerEnd], as: UTF8.self).lowercased()
        guard let status = Int(head.dropFirst(9).prefix(3)) else { throw .malformed }
        var length = 0
        if let range = head.range(of: "\r\ncontent-length:") {
            length = Int(head[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }) ?? 0
        }
        guard bytes.count >= headerEnd + length else { return nil }
        return (HTTPAnswer(status: status, body: Array(bytes[headerEnd..<(headerEnd + length)])), headerEnd + length)
    }

    static func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }

    /// One request on a fresh connection.
    static func once(port: Int, _ request: [UInt8], timeoutSeconds: Int = 30) throws(HTTPFailure) -> HTTPAnswer {
        let connection = try HTTPClientConnection(port: port, timeoutSeconds: timeoutSeconds)
        return try connection.exchange(request)
    }
}

/// Monotonic nanoseconds.
func monotonicNanos() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}
