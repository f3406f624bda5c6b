import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An SMTP server on loopback that stores what it receives: EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA (with
/// dot-unstuffing), RSET, NOOP, QUIT. One thread accepts and one thread serves each connection (blocking
/// I/O with a receive timeout); at most `maxConnections` at once. No TLS: it stands in for a relay in
/// development and tests.
public final class SMTPSink: Sendable {
    public struct Message: Sendable, Equatable {
        public var from: String
        public var recipients: [String]
        /// The DATA content as the client meant it: dot-unstuffed, CRLF line ends, without the final `.` line.
        public var data: [UInt8]
        /// The user of AUTH PLAIN, if the client authenticated.
        public var authenticatedUser: String?

        public var text: String { String(decoding: data, as: UTF8.self) }

        /// Where the header section ends (the first empty line), as a byte offset of its CRLF CRLF.
        private var headerEnd: Int? {
            guard data.count >= 4 else { return nil }
            return (0...(data.count - 4)).first { data[$0] == 13 && data[$0 + 1] == 10 && data[$0 + 2] == 13 && data[$0 + 3] == 10 }
        }

        /// The first header field `name` of the message.
        public func header(_ name: String) -> String? {
            let head = String(decoding: data[..<(headerEnd ?? data.count)], as: UTF8.self)
            for line in head.split(separator: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                if line[..<colon].lowercased() == name.lowercased() { return line[line.index(after: colon)...].trimmingWhitespace }
            }
            return nil
        }

        /// Everything after the header section.
        public var body: String {
            guard let end = headerEnd else { return "" }
            return String(decoding: data[(end + 4)...], as: UTF8.self)
        }
    }

    struct State {
        var messages: [Message] = []
        var rejected: Set<String> = []
        var temporaryFailures = 0
        var connections = 0
        var stopping = false
    }

    public let port: Int
    /// `NUMNINJA_SMTP_URL` for this sink.
    public var url: String { "smtp://127.0.0.1:\(port)" }
    let state = Mutex(State())
    let maxConnections = 32
    private let listener: Int32
    private let acceptThread = Mutex<pthread_t?>(nil)

    public init() throws {
        let (fd, port) = try Socket.makeListener(host: "127.0.0.1", port: 0, backlog: 16)
        listener = fd
        self.port = port
        let thread = try PosixThread.spawn(name: "nn-smtp-sink") { [self] in acceptLoop() }
        acceptThread.withLock { $0 = thread }
    }

    /// Stops accepting and waits for the accept thread; connections being served finish on their own.
    public func shutdown() async {
        state.withLock { $0.stopping = true }
        guard let thread = acceptThread.withLock({ state -> pthread_t? in defer { state = nil }; return state }) else { return }
        _ = await BlockingCall.run(name: "nn-smtp-join") { () throws(Never) in
            pthread_join(thread, nil)
        }
        Glibc.close(listener)
    }

    public var messages: [Message] { state.withLock { $0.messages } }

    /// RCPT TO this address answers 550 (a permanent failure).
    public func reject(recipient: String) {
        state.withLock { state in _ = state.rejected.insert(recipient.lowercased()) }
    }

    /// The next `count` MAIL FROM commands answer 451 (a temporary failure).
    public func failNext(_ count: Int) { state.withLock { $0.temporaryFailures = count } }

    private func acceptLoop() {
        while !state.withLock({ $0.stopping }) {
            var probe = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&probe, 1, 50) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            let admitted = state.withLock { state -> Bool in
                guard state.connections < maxConnections else { return false }
                state.connections += 1
                return true
            }
            guard admitted else { Glibc.close(client); continue }
            do {
                let thread = try PosixThread.spawn(name: "nn-smtp-conn") { [self] in
                    var connection = SMTPSinkConnection(fd: client, sink: self)
                    connection.run()
                    Glibc.close(client)
                    state.withLock { $0.connections -= 1 }
                }
                pthread_detach(thread)
            } catch {
                Glibc.close(client)
                state.withLock { $0.connections -= 1 }
            }
        }
    }
}
