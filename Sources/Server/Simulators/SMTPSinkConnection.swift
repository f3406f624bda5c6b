#if canImport(Glibc)
import Glibc
#endif

/// One SMTP conversation of the sink, on a blocking socket.
struct SMTPSinkConnection {
    let fd: Int32
    let sink: SMTPSink
    private var buffer: [UInt8] = []
    private var from: String?
    private var recipients: [String] = []
    private var user: String?

    init(fd: Int32, sink: SMTPSink) {
        self.fd = fd
        self.sink = sink
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    mutating func run() {
        reply("220 numninja-sink ESMTP")
        for _ in 0..<10_000 {
            guard let line = readLine() else { return }
            let verb = line.prefix { $0 != " " }.uppercased()
            let argument = line.count > verb.count ? String(line.dropFirst(verb.count + 1)) : ""
            switch verb {
            case "EHLO": reply("250-numninja-sink\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 SIZE 10485760")
            case "HELO": reply("250 numninja-sink")
            case "AUTH": authenticate(argument)
            case "MAIL": mail(argument)
            case "RCPT": recipient(argument)
            case "DATA": guard data() else { return }
            case "RSET": from = nil; recipients = []; reply("250 OK")
            case "NOOP": reply("250 OK")
            case "QUIT": reply("221 Bye"); return
            default: reply("502 Command not implemented")
            }
        }
    }

    private mutating func authenticate(_ argument: String) {
        let parts = argument.split(separator: " ")
        guard parts.count == 2, parts[0].uppercased() == "PLAIN", let decoded = Base64.decode(String(parts[1])) else {
            reply("504 Unrecognized authentication type")
            return
        }
        let fields = decoded.split(separator: 0, omittingEmptySubsequences: false)
        guard fields.count == 3 else { reply("501 Malformed AUTH PLAIN"); return }
        user = String(decoding: fields[1], as: UTF8.self)
        reply("235 Authentication successful")
    }

    private mutating func mail(_ argument: String) {
        let failing = sink.state.withLock { state -> Bool in
            guard state.temporaryFailures > 0 else { return false }
            state.temporaryFailures -= 1
            return true
        }
        if failing { reply("451 Temporary local problem, try again"); return }
        guard let address = Self.address(argument, prefix: "FROM:") else { reply("501 Syntax: MAIL FROM:<address>"); return }
        from = address
        recipients = []
        reply("250 OK")
    }

    private mutating func recipient(_ argument: String) {
        guard from != nil else { reply("503 MAIL first"); return }
        guard let address = Self.address(argument, prefix: "TO:") else { reply("501 Syntax: RCPT TO:<address>"); return }
        if sink.state.withLock({ $0.rejected.contains(address.lowercased()) }) { reply("550 No such user"); return }
        recipients.append(address)
        reply("250 OK")
    }

    /// Reads the message up to the lone `.` line, undoing dot-stuffing. False when the connection ended.
    private mutating func data() -> Bool {
        guard let sender = from, !recipients.isEmpty else { reply("503 RCPT first"); return true }
        reply("354 End data with <CR><LF>.<CR><LF>")
        var content: [UInt8] = []
        while true {
            guard let line = readRawLine() else { return false }
            if line == [UInt8(ascii: ".")] { break }
            content += line.first == UInt8(ascii: ".") ? Array(line.dropFirst()) : line
            content += [13, 10]
            guard content.count <= 10 * 1024 * 1024 else { reply("552 Message too large"); return false }
        }
        let message = SMTPSink.Message(from: sender, recipients: recipients, data: content, authenticatedUser: user)
        let count = sink.state.withLock { state -> Int in
            state.messages.append(message)
            return state.messages.count
        }
        from = nil
        recipients = []
        reply("250 OK queued as \(count)")
        return true
    }

    static func address(_ argument: String, prefix: String) -> String? {
        guard argument.uppercased().hasPrefix(prefix) else { return nil }
        let rest = argument.dropFirst(prefix.count).trimmingWhitespace
        guard rest.hasPrefix("<"), let close = rest.firstIndex(of: ">") else { return nil }
        return String(rest[rest.index(after: rest.startIndex)..<close])
    }

    private func reply(_ text: String) {
        let bytes = Array((text + "\r\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    private mutating func readLine() -> String? {
        readRawLine().map { String(decoding: $0, as: UTF8.self) }
    }

    /// One line without its CRLF, at most 64 KiB; nil at end of stream, on timeout or on an overlong line.
    private mutating func readRawLine() -> [UInt8]? {
        while true {
            if let lf = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<lf])
                if line.last == 13 { line.removeLast() }
                buffer.removeFirst(lf + 1)
                return line
            }
            guard buffer.count < 64 * 1024 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 8192)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            buffer += chunk[0..<count]
        }
    }
}
