/// Removes `Transfer-Encoding: chunked` framing (RFC 9112 §7.1) incrementally: chunk sizes, extensions
/// (validated, then dropped), data, and the trailer section. The running body size is checked against the
/// limit from each declared chunk size before any of that chunk is read.
struct ChunkedDecoder: Sendable {
    private enum State: Sendable {
        case sizeLine
        case data(remaining: Int)
        case dataEnd
        case trailers
        case done
    }

    enum Result {
        case needMore
        case done(trailers: HTTPHeaders)
        case failed(HTTPParseError)
    }

    private let limits: HTTPParserLimits
    private var state = State.sizeLine
    private var lines = HTTPSyntax.LineScanner()
    private var trailerReader = FieldSectionReader()
    private var bodyBytes = 0
    private var extensionBytes = 0

    init(limits: HTTPParserLimits) {
        self.limits = limits
    }

    /// Consumes what it can from `input`, appending chunk data to `body` and adding the bytes used to `consumed`.
    /// Bytes of an incomplete line are left unconsumed; the next call must start at the first unconsumed byte.
    mutating func decode(_ input: UnsafeBufferPointer<UInt8>, into body: inout [UInt8], consumed: inout Int) -> Result {
        var position = 0
        defer { consumed += position }
        while true {
            let rest = UnsafeBufferPointer(rebasing: input[position...])
            switch state {
            case .sizeLine:
                switch lines.next(in: rest, limit: limits.maxChunkLineBytes) {
                case .needMore:
                    return .needMore
                case .limitReached:
                    return .failed(.badRequest("A chunk-size line is longer than \(limits.maxChunkLineBytes) bytes."))
                case .bareLF:
                    return .failed(.badRequest("A chunk-size line must end in CRLF, not a bare LF."))
                case .line(let line):
                    let size: Int
                    switch parseSizeLine(rest, line) {
                    case .success(let value): size = value
                    case .failure(let error): return .failed(error)
                    }
                    position += lines.lineStart
                    lines = HTTPSyntax.LineScanner()
                    if size == 0 {
                        state = .trailers
                    } else {
                        bodyBytes += size
                        state = .data(remaining: size)
                    }
                }
            case .data(let remaining):
                let take = min(remaining, rest.count)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: rest[..<take]))
                position += take
                if take < remaining {
                    state = .data(remaining: remaining - take)
                    return .needMore
                }
                state = .dataEnd
            case .dataEnd:
                guard rest.count >= 2 else { return .needMore }
                guard rest[0] == HTTPSyntax.cr, rest[1] == HTTPSyntax.lf else {
                    return .failed(.badRequest("Chunk data must be followed by CRLF (the chunk is longer than its size)."))
                }
                position += 2
                state = .sizeLine
            case .trailers:
                switch trailerReader.read(rest, maxBytes: limits.maxHeaderBytes, maxCount: limits.maxHeaderCount,
                                          what: "trailer section") {
                case .needMore:
                    return .needMore
                case .failed(let error):
                    return .failed(error)
                case .complete(let trailers, let end):
                    position += end
                    state = .done
                    return .done(trailers: trailers)
                }
            case .done:
                return .failed(.badRequest("The chunked body has already ended."))
            }
        }
    }

    /// chunk-size [ chunk-ext ]: hex digits, then `*( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )`.
    /// Syntax is checked before size, so a malformed line is 400 even when its number is also too large (CONTRACT order).
    private mutating func parseSizeLine(_ input: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> Swift.Result<Int, HTTPParseError> {
        var index = line.lowerBound
        var size = 0
        var overflow = false
        while index < line.upperBound, let digit = HTTPSyntax.hexValue(input[index]) {
            let (shifted, o1) = size.multipliedReportingOverflow(by: 16)
            let (sum, o2) = shifted.addingReportingOverflow(digit)
            overflow = overflow || o1 || o2
            size = sum
            index += 1
        }
        guard index > line.lowerBound else {
            return .failure(.badRequest("A chunk size must be hexadecimal digits."))
        }
        let extensionStart = index
        guard Self.isValidExtensionList(input, from: index, to: line.upperBound) else {
            return .failure(.badRequest("A chunk-size line has a malformed chunk extension."))
        }
        extensionBytes += line.upperBound - extensionStart
        guard extensionBytes <= limits.maxChunkExtensionBytes else {
            return .failure(.badRequest("The chunk extensions of this body exceed \(limits.maxChunkExtensionBytes) bytes."))
        }
        guard !overflow, size <= limits.maxBodyBytes - bodyBytes else {
            return .failure(.payloadTooLarge("The request body is larger than \(limits.maxBodyBytes) bytes."))
        }
        return .success(size)
    }

    private static func isValidExtensionList(_ input: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var index = start
        func skipWhitespace() { while index < end, HTTPSyntax.isWhitespace(input[index]) { index += 1 } }
        func skipToken() -> Bool {
            let tokenStart = index
            while index < end, HTTPSyntax.isTokenChar(input[index]) { index += 1 }
            return index > tokenStart
        }
        func skipQuotedString() -> Bool {
            index += 1  // opening quote
            while index < end {
                let byte = input[index]
                if byte == UInt8(ascii: "\"") { index += 1; return true }
                if byte == UInt8(ascii: "\\") {
                    index += 1
                    guard index < end, HTTPSyntax.isFieldValueChar(input[index]) else { return false }
                } else if !HTTPSyntax.isFieldValueChar(byte) {
                    return false
                }
                index += 1
            }
            return false
        }
        while true {
            skipWhitespace()
            if index == end { return index == start }  // trailing whitespace without an extension is not allowed
            guard input[index] == UInt8(ascii: ";") else { return false }
            index += 1
            skipWhitespace()
            guard skipToken() else { return false }
            let afterName = index
            skipWhitespace()
            if index < end, input[index] == UInt8(ascii: "=") {
                index += 1
                skipWhitespace()
                guard index < end else { return false }
                if input[index] == UInt8(ascii: "\"") {
                    guard skipQuotedString() else { return false }
                } else {
                    guard skipToken() else { return false }
                }
            } else {
                index = afterName
            }
            if index == end { return true }
        }
    }
}
