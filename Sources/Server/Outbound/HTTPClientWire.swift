/// HTTP/1.1 on the wire for the client: the request head, and reading one response with its framing.
enum HTTPClientWire {
    static func serialize(_ request: HTTPClientRequest, url: HTTPClientURL, userAgent: String) throws(HTTPClientError) -> [UInt8] {
        guard isToken(request.method) else { throw .invalidRequest("bad method '\(request.method)'") }
        var out = Array("\(request.method) \(url.target) HTTP/1.1\r\nHost: \(url.hostHeader)\r\n".utf8)
        var hasUserAgent = false
        for field in request.headers {
            let lowered = field.name.lowercased()
            guard isToken(field.name), !field.value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                throw .invalidRequest("bad header field '\(field.name)'")
            }
            if ["host", "content-length", "transfer-encoding", "connection"].contains(lowered) { continue }
            if lowered == "user-agent" { hasUserAgent = true }
            out += "\(field.name): \(field.value)\r\n".utf8
        }
        if !hasUserAgent { out += "User-Agent: \(userAgent)\r\n".utf8 }
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            out += "Content-Length: \(request.body.count)\r\n".utf8
        }
        out += "\r\n".utf8
        out += request.body
        return out
    }

    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { HTTPSyntax.isTokenChar($0) }
    }

    struct Head {
        var status: Int
        var minorVersion: Int
        var headers: [HTTPField]

        func values(_ name: String) -> [String] {
            headers.filter { $0.name.lowercased() == name }.map(\.value)
        }

        /// Whether a `Connection` field lists `token`.
        func connectionHas(_ token: String) -> Bool {
            values("connection").contains { $0.split(separator: ",").contains { $0.trimmingSpaces.lowercased() == token } }
        }
    }

    /// Reads one final response (interim 1xx responses are skipped). `reusable` tells whether the connection
    /// may carry another request afterwards.
    static func readResponse(from stream: OutboundStream, method: String, limits: HTTPClientConfiguration,
                             deadline: () -> UInt64) throws(OutboundIOError) -> (HTTPClientResponse, reusable: Bool) {
        while true {
            let head = try readHead(from: stream, maxBytes: limits.maxResponseHeaderBytes, deadline: deadline)
            if (100..<200).contains(head.status) && head.status != 101 { continue }
            var reusable = head.minorVersion >= 1 && !head.connectionHas("close")
            let body: [UInt8]
            if method == "HEAD" || head.status == 204 || head.status == 304 || (100..<200).contains(head.status) {
                body = []
            } else if head.values("transfer-encoding").contains(where: { $0.lowercased().contains("chunked") }) {
                body = try readChunked(from: stream, maxBytes: limits.maxResponseBodyBytes, deadline: deadline)
            } else if let lengthText = head.values("content-length").first {
                guard let length = Int(lengthText.trimmingSpaces), length >= 0 else {
                    throw .protocolViolation("bad Content-Length '\(lengthText)'")
                }
                guard length <= limits.maxResponseBodyBytes else { throw .protocolViolation("response body over \(limits.maxResponseBodyBytes) bytes") }
                body = try readExactly(length, from: stream, deadline: deadline)
            } else {
                body = try readToEnd(from: stream, maxBytes: limits.maxResponseBodyBytes, deadline: deadline)
                reusable = false
            }
            return (HTTPClientResponse(status: head.status, headers: head.headers, body: body), reusable)
        }
    }

    private static func readHead(from stream: OutboundStream, maxBytes: Int, deadline: () -> UInt64) throws(OutboundIOError) -> Head {
        let statusLine = try stream.readLine(deadline: deadline(), maxBytes: maxBytes)
        var used = statusLine.count
        let text = String(decoding: statusLine, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let minor = Int(parts[0].dropFirst(7)),
              parts[1].count == 3, let status = Int(parts[1]) else {
            throw .protocolViolation("bad status line '\(text.prefix(80))'")
        }
        var headers: [HTTPField] = []
        while true {
            let line = try stream.readLine(deadline: deadline(), maxBytes: maxBytes)
            used += line.count + 2
            guard used <= maxBytes else { throw .protocolViolation("response head over \(maxBytes) bytes") }
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .protocolViolation("bad header line") }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self)
            headers.append(HTTPField(name: name, value: value.trimmingWhitespace))
        }
        return Head(status: status, minorVersion: minor, headers: headers)
    }

    private static func readExactly(_ count: Int, from stream: OutboundStream, deadline: () -> UInt64) throws(OutboundIOError) -> [UInt8] {
        while stream.available.count < count {
            guard try stream.fill(deadline: deadline()) else { throw .closed }
        }
        let body = Array(stream.available.prefix(count))
        stream.consume(count)
        return body
    }

    private static func readToEnd(from stream: OutboundStream, maxBytes: Int, deadline: () -> UInt64) throws(OutboundIOError) -> [UInt8] {
        while try stream.fill(deadline: deadline()) {
            guard stream.available.count <= maxBytes else { throw .protocolViolation("response body over \(maxBytes) bytes") }
        }
        let body = Array(stream.available)
        stream.consume(body.count)
        return body
    }

    private static func readChunked(from stream: OutboundStream, maxBytes: Int, deadline: () -> UInt64) throws(OutboundIOError) -> [UInt8] {
        var decoder = ChunkedDecoder(limits: HTTPParserLimits(maxBodyBytes: maxBytes, requireHost: false))
        var body: [UInt8] = []
        while true {
            var consumed = 0
            let available = stream.available
            let result = available.withUnsafeBufferPointer { decoder.decode($0, into: &body, consumed: &consumed) }
            stream.consume(consumed)
            switch result {
            case .done: return body
            case .failed(let error): throw .protocolViolation("chunked body: \(error)")
            case .needMore:
                guard try stream.fill(deadline: deadline()) else { throw .closed }
            }
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (optional whitespace around a field value).
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
