/// Where customer email goes (`NUMNINJA_SMTP_URL`, `NUMNINJA_MAIL_FROM`).
public struct SMTPConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// `smtps://`: TLS from the first byte. Otherwise STARTTLS is used whenever the server offers it.
    public var implicitTLS: Bool
    public var username: String?
    public var password: String?
    /// The envelope sender and `From:` address.
    public var from: String
    /// The name we give in EHLO.
    public var heloName: String
    public var connectTimeout: Duration
    /// Longest wait for any one reply (RFC 5321 §4.5.3.2 suggests minutes; providers answer in seconds).
    public var replyTimeout: Duration
    /// CA file to trust instead of the system store (tests, private relays).
    public var caFile: String?

    public init(host: String, port: Int, implicitTLS: Bool = false, username: String? = nil, password: String? = nil,
                from: String, heloName: String = "numninja.localdomain", connectTimeout: Duration = .seconds(10),
                replyTimeout: Duration = .seconds(60), caFile: String? = nil) {
        self.host = host
        self.port = port
        self.implicitTLS = implicitTLS
        self.username = username
        self.password = password
        self.from = from
        self.heloName = heloName
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
        self.caFile = caFile
    }

    /// Reads `smtp://user:pass@host:port` or `smtps://...` (user and password percent-decoded; default ports
    /// 587 and 465). nil when the URL is not of that form.
    public init?(url: String, from: String) {
        let implicitTLS: Bool
        let rest: Substring
        if url.lowercased().hasPrefix("smtps://") {
            implicitTLS = true
            rest = url.dropFirst(8)
        } else if url.lowercased().hasPrefix("smtp://") {
            implicitTLS = false
            rest = url.dropFirst(7)
        } else {
            return nil
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        var hostPart = authority
        var username: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            hostPart = authority[authority.index(after: at)...]
            let pieces = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            if pieces.count == 2 { password = Self.percentDecode(pieces[1]) }
            username = Self.percentDecode(pieces[0])
        }
        guard let parsed = HTTPClientURL((implicitTLS ? "https://" : "http://") + hostPart) else { return nil }
        let explicitPort = hostPart.contains(":") && !hostPart.hasSuffix("]")
        self.init(host: parsed.host, port: explicitPort ? parsed.port : (implicitTLS ? 465 : 587), implicitTLS: implicitTLS,
                  username: username, password: password, from: from)
    }

    /// Percent-decoding only (`+` stays a plus in a URL's userinfo).
    static func percentDecode(_ text: Substring) -> String {
        let escaped = Array(text.utf8).flatMap { $0 == UInt8(ascii: "+") ? Array("%2B".utf8) : [$0] }
        return String(decoding: DIDWWSignature.formUnescape(escaped), as: UTF8.self)
    }

    var hasCredentials: Bool { username != nil && !(username ?? "").isEmpty }

    var isLoopback: Bool { host == "127.0.0.1" || host == "::1" || host == "localhost" }
}

/// A plain-text email.
public struct EmailMessage: Sendable, Equatable {
    public var to: [String]
    public var subject: String
    public var text: String
    /// `Message-ID` without angle brackets; generated when nil.
    public var messageID: String?

    public init(to: [String], subject: String, text: String, messageID: String? = nil) {
        self.to = to
        self.subject = subject
        self.text = text
        self.messageID = messageID
    }
}
