#if canImport(Glibc)
import Glibc
#endif

/// Sends customer email over SMTP: EHLO, STARTTLS when offered (or implicit TLS for `smtps`), AUTH PLAIN
/// when credentials are configured, then MAIL, RCPT, DATA and QUIT on a connection per message.
/// Credentials are never sent in clear to anything but loopback. A 4xx reply is retryable, a 5xx permanent.
public struct SMTPClient: Sendable {
    public static let provider = "smtp"
    public let configuration: SMTPConfiguration
    private let tls: TLSClientContext?

    /// Throws when TLS is needed and the trust store cannot be loaded.
    public init(configuration: SMTPConfiguration) throws(OutboundIOError) {
        self.configuration = configuration
        self.tls = configuration.isLoopback && !configuration.implicitTLS && configuration.caFile == nil
            ? nil : try TLSClientContext(caFile: configuration.caFile)
    }

    public func send(_ message: EmailMessage) async throws(ProviderError) {
        try await BlockingCall.run(name: "nn-smtp-client") { () throws(ProviderError) in try self.sendBlocking(message) }
    }

    public func sendBlocking(_ message: EmailMessage) throws(ProviderError) {
        guard !message.to.isEmpty else { throw ProviderError(kind: .permanent, provider: Self.provider, message: "no recipient") }
        do {
            let session = try SMTPSession(configuration: configuration, tls: tls)
            defer { session.close() }
            try session.deliver(message)
        } catch let error as ProviderError {
            throw error
        } catch let error as OutboundIOError {
            throw ProviderError(kind: .retryable, provider: Self.provider, code: error.isTimeout ? "timeout" : nil, message: error.description)
        } catch {
            throw ProviderError(kind: .retryable, provider: Self.provider, message: "\(error)")
        }
    }
}

/// One SMTP conversation.
final class SMTPSession {
    struct Reply {
        var code: Int
        var lines: [String]
    }

    private let configuration: SMTPConfiguration
    private let tls: TLSClientContext?
    private let stream: OutboundStream
    private var extensions: [String] = []

    init(configuration: SMTPConfiguration, tls: TLSClientContext?) throws {
        self.configuration = configuration
        self.tls = tls
        let deadline = Deadline.after(configuration.connectTimeout)
        stream = try OutboundStream.connect(host: configuration.host, port: configuration.port, deadline: deadline)
        if configuration.implicitTLS {
            guard let tls else { throw OutboundIOError.tls("no TLS context") }
            try stream.startTLS(context: tls, serverName: configuration.host, deadline: deadline)
        }
    }

    func close() { stream.close() }

    func deliver(_ message: EmailMessage) throws {
        try expect(try readReply(), 220, "greeting")
        try hello()
        if !stream.isTLS, offers("STARTTLS"), let tls {
            try expect(try command("STARTTLS"), 220, "STARTTLS")
            try stream.startTLS(context: tls, serverName: configuration.host, deadline: Deadline.after(configuration.connectTimeout))
            try hello()
        }
        if configuration.hasCredentials { try authenticate() }
        try expect(try command("MAIL FROM:<\(SMTPMessageFormat.clean(configuration.from))>"), 250, "MAIL FROM")
        for recipient in message.to {
            try expect(try command("RCPT TO:<\(SMTPMessageFormat.clean(recipient))>"), 250, "RCPT TO", alsoAccept: 251)
        }
        try expect(try command("DATA"), 354, "DATA")
        let now = Int64(time(nil))
        let id = message.messageID ?? "\(now).\(UInt64.random(in: 0...UInt64.max))@\(configuration.heloName)"
        let data = SMTPMessageFormat.data(message, from: configuration.from, messageID: id, date: SMTPMessageFormat.date(unixSeconds: now))
        try stream.writeAll(data, deadline: Deadline.after(configuration.replyTimeout))
        try expect(try readReply(), 250, "end of data")
        _ = try? command("QUIT")
    }

    private func hello() throws {
        let reply = try command("EHLO \(configuration.heloName)")
        try expect(reply, 250, "EHLO")
        extensions = reply.lines.dropFirst().map { $0.uppercased() }
    }

    private func offers(_ keyword: String) -> Bool {
        extensions.contains { $0 == keyword || $0.hasPrefix(keyword + " ") }
    }

    private func authenticate() throws {
        guard stream.isTLS || configuration.isLoopback else {
            throw ProviderError(kind: .permanent, provider: SMTPClient.provider,
                                message: "the server offers no TLS; credentials are not sent in clear")
        }
        guard extensions.contains(where: { $0.hasPrefix("AUTH") && $0.split(separator: " ").contains("PLAIN") }) else {
            throw ProviderError(kind: .permanent, provider: SMTPClient.provider, message: "the server does not offer AUTH PLAIN")
        }
        let token = Base64.encode([0] + Array((configuration.username ?? "").utf8) + [0] + Array((configuration.password ?? "").utf8))
        try expect(try command("AUTH PLAIN \(token)"), 235, "AUTH")
    }

    private func command(_ line: String) throws -> Reply {
        try stream.writeAll(Array((line + "\r\n").utf8), deadline: Deadline.after(configuration.replyTimeout))
        return try readReply()
    }

    /// A reply, multi-line (`250-...`) included, at most 100 lines.
    private func readReply() throws -> Reply {
        var lines: [String] = []
        let deadline = Deadline.after(configuration.replyTimeout)
        for _ in 0..<100 {
            let line = String(decoding: try stream.readLine(deadline: deadline, maxBytes: 4096), as: UTF8.self)
            guard line.utf8.count >= 3, let code = Int(line.prefix(3)) else {
                throw OutboundIOError.protocolViolation("bad SMTP reply '\(line.prefix(80))'")
            }
            lines.append(String(line.dropFirst(4)))
            if line.utf8.count == 3 || line.dropFirst(3).first == " " { return Reply(code: code, lines: lines) }
        }
        throw OutboundIOError.protocolViolation("SMTP reply over 100 lines")
    }

    private func expect(_ reply: Reply, _ code: Int, _ step: String, alsoAccept: Int? = nil) throws {
        guard reply.code != code && reply.code != alsoAccept else { return }
        let kind: ProviderError.Kind = (400..<500).contains(reply.code) ? .retryable : .permanent
        throw ProviderError(kind: kind, provider: SMTPClient.provider, status: reply.code,
                            message: "\(step): \(reply.lines.joined(separator: " "))")
    }
}
