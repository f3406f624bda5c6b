import Foundation
import Server
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// Real clients for HTTPServer tests. Every blocking call runs on a dedicated thread (`onThread`), never on
// the cooperative pool the server's handlers need, and every socket has a receive timeout, so nothing hangs.

struct ClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs blocking work on a new thread and awaits its result.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// Waits for `condition` with a deadline (polling, since the state lives in another thread).
func eventually(timeout: Duration = .seconds(5), _ condition: @Sendable () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

func testConfiguration(_ adjust: (inout HTTPServerConfiguration) -> Void = { _ in }) -> HTTPServerConfiguration {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, eventLoopCount: 2)
    adjust(&configuration)
    return configuration
}

/// A handler that echoes what it received: `METHOD PATH body=<n>` (and the body on /echo).
@Sendable func echoHandler(_ request: HTTPRequest) async -> HTTPResponse {
    if request.path == "/echo" { return HTTPResponse(status: 200, body: request.body) }
    return HTTPResponse(status: 200, body: Array("\(request.method) \(request.target) body=\(request.body.count)".utf8))
}

struct RawResponse {
    var status: Int
    var headers: [String: String]  // lowercased names
    var body: String
}

/// A blocking TCP client speaking raw bytes, for byte-exact cases.
final class RawClient: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []

    /// `receiveBuffer` sets SO_RCVBUF before connecting (a small one makes a client that does not read stall sooner).
    init(port: Int, receiveTimeout: Double = 5, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket: errno \(errno)") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout - Double(Int(receiveTimeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw ClientError("connect: errno \(code)")
        }
    }

    private var isOpen = true

    deinit { close() }

    func close() {
        if isOpen { Glibc.close(fd) }
        isOpen = false
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw ClientError("send: errno \(errno)") }
            offset += count
        }
    }

    /// Reads more bytes into the buffer; false on end of file. Throws on a reset or a timeout.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw ClientError(errno == EAGAIN ? "read timed out" : "read: errno \(errno)") }
            if count == 0 { return false }
            buffer += chunk[..<count]
            return true
        }
    }

    /// Exactly `count` bytes.
    func read(count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw ClientError("end of file after \(buffer.count) of \(count) bytes") }
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    /// One response with a Content-Length body.
    func readResponse() throws -> RawResponse {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            if buffer.count >= 4 {
                headEnd = (0...(buffer.count - 4)).first { Array(buffer[$0..<$0 + 4]) == separator }
            }
            if headEnd == nil, try !fill() { throw ClientError("end of file before a complete response head") }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw ClientError("bad status line: \(head)") }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let body = try read(count: length)
        return RawResponse(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
    }

    /// Reads until the bytes received so far contain `marker`; answers them all (up to and including the
    /// marker's end) and keeps the rest. Throws on end of file, a reset or the receive timeout.
    func read(until marker: String) throws -> String {
        let pattern = Array(marker.utf8)
        var searchFrom = 0
        while true {
            if buffer.count >= pattern.count {
                for start in searchFrom...(buffer.count - pattern.count) where Array(buffer[start..<start + pattern.count]) == pattern {
                    let end = start + pattern.count
                    defer { buffer.removeFirst(end) }
                    return String(decoding: buffer[..<end], as: UTF8.self)
                }
                searchFrom = buffer.count - pattern.count + 1
            }
            guard try fill() else { throw ClientError("end of file before \(marker.debugDescription); got \(String(decoding: buffer, as: UTF8.self).debugDescription)") }
        }
    }

    /// True when the server closed with FIN (end of file, nothing more); throws on a reset or a timeout.
    func readEndOfFile() throws -> Bool {
        guard buffer.isEmpty else { return false }
        return try !fill()
    }

    /// Everything until the server closes.
    func readUntilEndOfFile() throws -> String {
        while try fill() {}
        defer { buffer = [] }
        return String(decoding: buffer, as: UTF8.self)
    }
}

func get(_ path: String, close: Bool = false) -> String {
    "GET \(path) HTTP/1.1\r\nHost: test\r\n\(close ? "Connection: close\r\n" : "")\r\n"
}

struct CurlResult: Sendable {
    var exitCode: Int32
    var output: String
    var log: String
}

let curlPath: String? = ["/usr/bin/curl", "/bin/curl", "/usr/local/bin/curl"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

func curl(_ arguments: [String], input: [UInt8]? = nil) async throws -> CurlResult {
    guard let curlPath else { throw ClientError("curl is not installed") }
    return try await onThread {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: curlPath)
        process.arguments = ["--silent", "--show-error", "--max-time", "10"] + arguments
        let output = Pipe()
        let log = Pipe()
        process.standardOutput = output
        process.standardError = log
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input)) }
        try stdin.fileHandleForWriting.close()
        let logData = Mutex(Data())
        let logReader = Thread { logData.withLock { $0 = log.fileHandleForReading.readDataToEndOfFile() } }
        logReader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while logReader.isExecuting || !logReader.isFinished { usleep(1000) }
        return CurlResult(exitCode: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                          log: logData.withLock { String(decoding: $0, as: UTF8.self) })
    }
}

final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
