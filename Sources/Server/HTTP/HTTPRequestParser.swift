/// Incremental HTTP/1.1 request parser, free of I/O: the connection appends whatever it read with `read(_:)`
/// and then calls `next()` until it answers `.readMore`, performing each returned action (Hummingbird style).
///
/// - Bytes may arrive in any split: one byte at a time, or many pipelined requests in one read. Requests come
///   out in order; bytes after one request are the start of the next.
/// - Lines must end in CRLF. A bare LF is refused with 400 (RFC 9112 §2.2 allows either; we refuse because a
///   parser that disagrees with a proxy in front of it about line ends is a request-smuggling vector, and every
///   real sender here—Stripe, DIDWW, curl, URLSession—sends CRLF). A bare CR is a control character: 400 too.
/// - Empty lines before a request line are skipped (RFC 9112 §2.2), counted in the header byte limit.
/// - Failures are checked in CONTRACT order: 431 (size and count of the head, checked on every line), then
///   400 (syntax, then framing), then 413 (declared length, before any body byte is read; running total of
///   chunk sizes, before each chunk is read). Syntax errors are reported as soon as the offending line is
///   complete, so a client that is not speaking HTTP is answered at once.
/// - After an error the parser stays failed; after a request that does not keep the connection alive it
///   ignores further bytes. Either way the server answers and closes.
public struct HTTPRequestParser: Sendable {
    public enum Action: Sendable, Equatable {
        /// Nothing complete yet: read more bytes from the socket.
        case readMore
        /// The head is complete and the client waits for `100 Continue` before sending the body. Send
        /// `HTTPResponse.continueBytes` (or a final error response instead), then keep calling `next()`.
        case sendContinue(HTTPRequestHead)
        /// A complete request.
        case handleRequest(HTTPRequest)
        /// Answer `error.response` with `Connection: close`, stop reading, close.
        case reject(HTTPParseError)
    }

    public enum Phase: Sendable, Equatable {
        /// Between requests with nothing buffered (the idle timeout applies).
        case idle
        /// Part of a head received (the header timeout applies).
        case head
        /// Reading a body.
        case body
        /// The last request asked to close; further bytes are ignored.
        case closed
        /// An error was returned; further bytes are ignored.
        case failed
    }

    private enum State: Sendable {
        case head
        case body
        case closed
        case failed(HTTPParseError)
    }

    public let limits: HTTPParserLimits

    private var state = State.head
    private var buffer: [UInt8] = []
    /// First byte not consumed; every offset kept by the state below is relative to it.
    private var start = 0

    // Head being read.
    private var requestLine: HTTPRequestLine?
    private var headReader = FieldSectionReader()

    // Body being read.
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var remainingLength = 0
    private var chunked: ChunkedDecoder?

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    public var phase: Phase {
        switch state {
        case .head: bufferedByteCount == 0 ? .idle : .head
        case .body: .body
        case .closed: .closed
        case .failed: .failed
        }
    }

    /// Bytes read but not yet consumed; a server stops reading while this is large and a request is in flight.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Appends bytes read from the connection. Call `next()` afterwards until it returns `.readMore`.
    public mutating func read<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        switch state {
        case .closed, .failed: return
        case .head, .body: break
        }
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func next() -> Action {
        let bytes = buffer  // a second reference, so the buffer is not mutated while we hold a pointer into it
        return bytes.withUnsafeBufferPointer { all in
            advance(UnsafeBufferPointer(rebasing: all[start...]))
        }
    }

    private mutating func advance(_ input: UnsafeBufferPointer<UInt8>) -> Action {
        switch state {
        case .failed(let error):
            return .reject(error)
        case .closed:
            return .readMore
        case .head:
            return readHead(input)
        case .body:
            return readBody(input)
        }
    }

    // MARK: - Head

    private mutating func readHead(_ input: UnsafeBufferPointer<UInt8>) -> Action {
        while requestLine == nil {
            switch headReader.lines.next(in: input, limit: limits.maxHeaderBytes) {
            case .needMore:
                return .readMore
            case .limitReached:
                return fail(.headersTooLarge("The request line and headers are larger than \(limits.maxHeaderBytes) bytes."))
            case .bareLF:
                return fail(.badRequest("The request line must end in CRLF, not a bare LF."))
            case .line(let line) where line.isEmpty:
                continue
            case .line(let line):
                switch HTTPSyntax.parseRequestLine(input, line) {
                case .success(let parsed):
                    requestLine = parsed
                    headReader.sectionStart = headReader.lines.lineStart
                case .failure(let error):
                    return fail(error)
                }
            }
        }
        switch headReader.read(input, maxBytes: limits.maxHeaderBytes, maxCount: limits.maxHeaderCount,
                               what: "request line and headers") {
        case .needMore:
            return .readMore
        case .failed(let error):
            return fail(error)
        case .complete(let headers, let end):
            let line = requestLine!
            requestLine = nil
            headReader = FieldSectionReader()
            start += end
            switch HTTPRequestHead.interpret(line, headers, limits: limits) {
            case .failure(var error):
                error.requestLine = line
                return fail(error)
            case .success(let parsed):
                return beginBody(parsed, UnsafeBufferPointer(rebasing: input[end...]))
            }
        }
    }

    private mutating func beginBody(_ parsed: HTTPRequestHead, _ input: UnsafeBufferPointer<UInt8>) -> Action {
        switch parsed.framing {
        case .none:
            return finish(HTTPRequest(head: parsed))
        case .contentLength(let length):
            if length == 0 { return finish(HTTPRequest(head: parsed)) }
            remainingLength = length
            // Bounded by maxBodyBytes already; still grow gradually so a declared-but-unsent body costs little.
            body.reserveCapacity(min(length, 64 * 1024))
        case .chunked:
            chunked = ChunkedDecoder(limits: limits)
        }
        head = parsed
        state = .body
        if parsed.expectsContinue {
            return .sendContinue(parsed)
        }
        return readBody(input)
    }

    // MARK: - Body

    private mutating func readBody(_ input: UnsafeBufferPointer<UInt8>) -> Action {
        if var decoder = chunked {
            chunked = nil  // keep the decoder uniquely referenced while it works
            var consumed = 0
            let result = decoder.decode(input, into: &body, consumed: &consumed)
            start += consumed
            chunked = decoder
            switch result {
            case .needMore:
                return .readMore
            case .failed(let error):
                return fail(error)
            case .done(let trailers):
                return finish(HTTPRequest(head: head!, body: takeBody(), trailers: trailers))
            }
        }
        let take = min(remainingLength, input.count)
        body.append(contentsOf: UnsafeBufferPointer(rebasing: input[..<take]))
        start += take
        remainingLength -= take
        guard remainingLength == 0 else { return .readMore }
        return finish(HTTPRequest(head: head!, body: takeBody()))
    }

    private mutating func takeBody() -> [UInt8] {
        defer { body = [] }
        return body
    }

    private mutating func finish(_ request: HTTPRequest) -> Action {
        head = nil
        chunked = nil
        remainingLength = 0
        if request.keepAlive {
            state = .head
        } else {
            state = .closed
            buffer = []
            start = 0
        }
        return .handleRequest(request)
    }

    private mutating func fail(_ error: HTTPParseError) -> Action {
        var error = error
        if error.requestLine == nil { error.requestLine = requestLine ?? head?.requestLine }
        state = .failed(error)
        buffer = []
        start = 0
        body = []
        return .reject(error)
    }

    /// Drops consumed bytes: all of them when everything was consumed (the common case), otherwise only once
    /// they are the larger part of a sizeable buffer, so pipelined input is not shifted on every request.
    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            start = 0
        } else if start >= 4096, start * 2 >= buffer.count {
            buffer.removeSubrange(..<start)
            start = 0
        }
    }
}
