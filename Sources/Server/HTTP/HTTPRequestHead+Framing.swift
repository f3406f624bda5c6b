extension HTTPRequestHead {
    /// Turns a parsed header section into body framing and connection semantics (RFC 9112 §6, §9.3), refusing
    /// ambiguous framing that a proxy in front could read differently (request smuggling). 400 checks all come
    /// before the 413 check, per CONTRACT order.
    static func interpret(_ line: HTTPRequestLine, _ headers: HTTPHeaders,
                          limits: HTTPParserLimits) -> Result<HTTPRequestHead, HTTPParseError> {
        var hostCount = 0
        var hasTransferEncoding = false
        var codings: [ArraySlice<UInt8>] = []
        var contentLength: Int?
        var contentLengthMalformed = false
        var contentLengthConflict = false
        var close = false
        var keepAliveToken = false
        var expectsContinue = false

        for index in headers.indices {
            let name = headers.nameBytes(at: index)
            let value = headers.valueBytes(at: index)
            if HTTPSyntax.equalsIgnoringCase(name, "host") {
                hostCount += 1
            } else if HTTPSyntax.equalsIgnoringCase(name, "content-length") {
                // RFC 9110 §8.6: a list of identical values ("5, 5") may be accepted as that value.
                var sawElement = false
                HTTPSyntax.forEachListElement(value) { element in
                    sawElement = true
                    guard let parsed = parseContentLength(element) else { contentLengthMalformed = true; return }
                    if let existing = contentLength, existing != parsed { contentLengthConflict = true }
                    contentLength = parsed
                }
                if !sawElement { contentLengthMalformed = true }
            } else if HTTPSyntax.equalsIgnoringCase(name, "transfer-encoding") {
                hasTransferEncoding = true
                HTTPSyntax.forEachListElement(value) { codings.append($0) }
            } else if HTTPSyntax.equalsIgnoringCase(name, "connection") {
                HTTPSyntax.forEachListElement(value) { token in
                    if HTTPSyntax.equalsIgnoringCase(token, "close") { close = true }
                    if HTTPSyntax.equalsIgnoringCase(token, "keep-alive") { keepAliveToken = true }
                }
            } else if HTTPSyntax.equalsIgnoringCase(name, "expect") {
                // RFC 9110 §10.1.1: a server ignores 100-continue in an HTTP/1.0 request; other expectations are ignored too.
                if line.version == .http1_1, HTTPSyntax.equalsIgnoringCase(value, "100-continue") { expectsContinue = true }
            }
        }

        func bad(_ message: String) -> Result<HTTPRequestHead, HTTPParseError> {
            .failure(HTTPParseError(.badRequest, message, requestLine: line))
        }
        if limits.requireHost, line.version == .http1_1, hostCount == 0 {
            return bad("An HTTP/1.1 request must have a Host header.")
        }
        if hostCount > 1 { return bad("A request must not have more than one Host header.") }

        let framing: HTTPBodyFraming
        if hasTransferEncoding {
            if line.version == .http1_0 { return bad("Transfer-Encoding is not allowed in an HTTP/1.0 request.") }
            if contentLength != nil || contentLengthMalformed {
                return bad("A request must not have both Content-Length and Transfer-Encoding.")
            }
            guard codings.count == 1, HTTPSyntax.equalsIgnoringCase(codings[0], "chunked") else {
                return bad("Only the chunked transfer coding is supported.")
            }
            framing = .chunked
        } else if contentLengthMalformed {
            return bad("Content-Length must be a decimal number of bytes.")
        } else if contentLengthConflict {
            return bad("Content-Length values disagree.")
        } else if let length = contentLength {
            guard length <= limits.maxBodyBytes else {
                return .failure(HTTPParseError(.payloadTooLarge, "The request body is larger than \(limits.maxBodyBytes) bytes.",
                                               requestLine: line))
            }
            framing = .contentLength(length)
        } else {
            framing = .none
        }

        let keepAlive = line.version == .http1_1 ? !close : (keepAliveToken && !close)
        let hasBody = switch framing {
        case .none: false
        case .contentLength(let length): length > 0
        case .chunked: true
        }
        return .success(HTTPRequestHead(requestLine: line, headers: headers, framing: framing, keepAlive: keepAlive,
                                        expectsContinue: expectsContinue && hasBody))
    }

    /// 1*DIGIT; a number too large for Int is still a well-formed length, so it saturates (and then fails with 413).
    private static func parseContentLength(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            value = o1 || o2 ? Int.max : sum
        }
        return value
    }
}
