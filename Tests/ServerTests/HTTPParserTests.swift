import Server
import Testing

// MARK: - Helpers shared by the HTTP*Tests files

typealias ParserAction = HTTPRequestParser.Action

/// Feeds `bytes` in pieces of the given sizes (the rest in one piece) and collects every action but `.readMore`,
/// stopping at the first rejection.
func parseActions(_ bytes: [UInt8], pieces: [Int] = [], limits: HTTPParserLimits = HTTPParserLimits()) -> [ParserAction] {
    var parser = HTTPRequestParser(limits: limits)
    return feedParser(&parser, bytes, pieces: pieces)
}

func parseActions(_ text: String, pieces: [Int] = [], limits: HTTPParserLimits = HTTPParserLimits()) -> [ParserAction] {
    parseActions(Array(text.utf8), pieces: pieces, limits: limits)
}

func feedParser(_ parser: inout HTTPRequestParser, _ bytes: [UInt8], pieces: [Int] = []) -> [ParserAction] {
    var actions: [ParserAction] = []
    var offset = 0
    var pieceIndex = 0
    repeat {
        let size = pieceIndex < pieces.count ? pieces[pieceIndex] : bytes.count - offset
        pieceIndex += 1
        let end = min(bytes.count, offset + size)
        parser.read(bytes[offset..<end])
        offset = end
        while true {
            let action = parser.next()
            if action == .readMore { break }
            actions.append(action)
            if case .reject = action { return actions }
        }
    } while offset < bytes.count
    return actions
}

/// The requests among `actions`.
func parsedRequests(_ actions: [ParserAction]) -> [HTTPRequest] {
    actions.compactMap { if case .handleRequest(let request) = $0 { request } else { nil } }
}

/// The single request `text` parses to, or nil (and a recorded issue).
func parseOnlyRequest(_ text: String, limits: HTTPParserLimits = HTTPParserLimits(),
                 sourceLocation: SourceLocation = #_sourceLocation) -> HTTPRequest? {
    let actions = parseActions(text, limits: limits)
    guard actions.count == 1, case .handleRequest(let request) = actions[0] else {
        Issue.record("expected one request, got \(actions)", sourceLocation: sourceLocation)
        return nil
    }
    return request
}

/// The error `text` is rejected with, or nil (and a recorded issue).
func parseRejection(_ text: String, limits: HTTPParserLimits = HTTPParserLimits(),
               sourceLocation: SourceLocation = #_sourceLocation) -> HTTPParseError? {
    parseRejection(Array(text.utf8), limits: limits, sourceLocation: sourceLocation)
}

func parseRejection(_ bytes: [UInt8], limits: HTTPParserLimits = HTTPParserLimits(),
               sourceLocation: SourceLocation = #_sourceLocation) -> HTTPParseError? {
    let actions = parseActions(bytes, limits: limits)
    guard case .reject(let error) = actions.last else {
        Issue.record("expected a rejection, got \(actions)", sourceLocation: sourceLocation)
        return nil
    }
    return error
}

func wireBytes(_ text: String) -> [UInt8] { Array(text.utf8) }

// MARK: - Requests

@Suite struct HTTPParserTests {
    @Test func getRequestKeepsMethodTargetVersionAndHeaders() throws {
        let request = try #require(parseOnlyRequest(
            "GET /api/numbers?customer=cus_1&state=active HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n"
            + "X-Dup: one\r\nx-dup: two\r\n\r\n"))
        #expect(request.method == "GET")
        #expect(request.target == "/api/numbers?customer=cus_1&state=active")
        #expect(request.path == "/api/numbers")
        #expect(request.query == "customer=cus_1&state=active")
        #expect(request.version == .http1_1)
        #expect(request.body.isEmpty)
        #expect(request.head.framing == .none)
        #expect(request.headers.map(\.name) == ["Host", "Accept", "X-Dup", "x-dup"])
        #expect(request.headers["HOST"] == "example.com")
        #expect(request.headers["accept"] == "*/*")
        #expect(request.headers.values("X-DUP") == ["one", "two"])
        #expect(request.headers["missing"] == nil)
        #expect(request.headers.contains("x-Dup"))
        #expect(request.headers.firstValueBytes("host") == wireBytes("example.com")[...])
    }

    @Test func targetIsKeptExactlyAsSent() throws {
        let target = "/api/webhooks/didww?number=num_1&sig=a%2Fb%3D%3D&empty=&x=%20+y"
        let request = try #require(parseOnlyRequest("POST \(target) HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"))
        #expect(request.target == target)
        #expect(request.path == "/api/webhooks/didww")
        #expect(request.query == "number=num_1&sig=a%2Fb%3D%3D&empty=&x=%20+y")
        let bare = try #require(parseOnlyRequest("GET /healthz? HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(bare.query == "")
        #expect(bare.path == "/healthz")
    }

    @Test func absoluteFormAndAsteriskTargets() throws {
        let absolute = try #require(parseOnlyRequest("GET http://example.com:8080/readyz?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        #expect(absolute.target == "http://example.com:8080/readyz?x=1")
        #expect(absolute.path == "/readyz")
        #expect(absolute.query == "x=1")
        let root = try #require(parseOnlyRequest("GET https://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        #expect(root.path == "/")
        let options = try #require(parseOnlyRequest("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(options.target == "*")
    }

    @Test func headerValuesAreTrimmedOfOptionalWhitespaceOnly() throws {
        let request = try #require(parseOnlyRequest("GET / HTTP/1.1\r\nHost: h\r\nX-A:\t  spaced  value \t\r\nX-Empty:\r\nX-Utf8: caf\u{e9}\r\n\r\n"))
        #expect(request.headers["x-a"] == "spaced  value")
        #expect(request.headers["x-empty"] == "")
        #expect(request.headers["x-utf8"] == "caf\u{e9}")
    }

    @Test func contentLengthBodyIsRead() throws {
        let request = try #require(parseOnlyRequest("POST /api/webhooks/stripe HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"))
        #expect(request.body == wireBytes("hello world"))
        #expect(request.head.framing == .contentLength(11))
    }

    @Test func identicalRepeatedContentLengthsAreAccepted() throws {
        let list = try #require(parseOnlyRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc"))
        #expect(list.body == wireBytes("abc"))
        let lines = try #require(parseOnlyRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"))
        #expect(lines.body == wireBytes("abc"))
    }

    @Test func bodyBytesAreNotInterpreted() throws {
        let body = (0...255).map { UInt8($0) } + wireBytes("\r\n\r\nGET / HTTP/1.1\r\n\r\n")
        var wire = wireBytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \(body.count)\r\n\r\n")
        wire += body
        let actions = parseActions(wire)
        #expect(parsedRequests(actions).map(\.body) == [body])
    }

    @Test func pipelinedRequestsComeOutInOrder() {
        let wire = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
            + "POST /three HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
            + "GET /four HTTP/1.1\r\nHost: h\r\n\r\n"
        let parsed = parsedRequests(parseActions(wire))
        #expect(parsed.map(\.target) == ["/one", "/two", "/three", "/four"])
        #expect(parsed.map(\.body) == [[], wireBytes("abc"), wireBytes("xy"), []])
    }

    @Test func partialNextRequestWaitsForMoreBytes() {
        var parser = HTTPRequestParser()
        let first = feedParser(&parser, wireBytes("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHo"))
        #expect(parsedRequests(first).map(\.target) == ["/a"])
        #expect(parser.phase == .head)
        let second = feedParser(&parser, wireBytes("st: h\r\n\r\n"))
        #expect(parsedRequests(second).map(\.target) == ["/b"])
        #expect(parser.phase == .idle)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func phaseReportsWhereTheConnectionIs() {
        var parser = HTTPRequestParser()
        #expect(parser.phase == .idle)
        _ = feedParser(&parser, wireBytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab"))
        #expect(parser.phase == .body)
        _ = feedParser(&parser, wireBytes("cd"))
        #expect(parser.phase == .idle)
    }

    @Test func leadingEmptyLinesBeforeARequestAreSkipped() {
        let parsed = parsedRequests(parseActions("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(parsed.map(\.target) == ["/"])
    }

    // MARK: Keep-alive

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n", true),
        ("GET / HTTP/1.0\r\n\r\n", false),
        ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
        ("GET / HTTP/1.0\r\nConnection: close\r\n\r\n", false),
    ])
    func keepAliveFollowsVersionAndConnectionHeader(wire: String, keepAlive: Bool) throws {
        let request = try #require(parseOnlyRequest(wire))
        #expect(request.keepAlive == keepAlive)
    }

    @Test func bytesAfterAClosingRequestAreIgnored() {
        var parser = HTTPRequestParser()
        let actions = feedParser(&parser, wireBytes("GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(parsedRequests(actions).map(\.target) == ["/a"])
        #expect(parser.phase == .closed)
        #expect(feedParser(&parser, wireBytes("GARBAGE\r\n\r\n")).isEmpty)
    }

    @Test func http10RequestNeedsNoHost() throws {
        let request = try #require(parseOnlyRequest("POST /x HTTP/1.0\r\nContent-Length: 2\r\n\r\nok"))
        #expect(request.version == .http1_0)
        #expect(request.body == wireBytes("ok"))
    }

    @Test func hostCanBeMadeOptional() throws {
        var limits = HTTPParserLimits()
        limits.requireHost = false
        _ = try #require(parseOnlyRequest("GET / HTTP/1.1\r\n\r\n", limits: limits))
    }

    // MARK: Expect: 100-continue

    @Test func expectContinueIsAnnouncedBeforeTheBody() throws {
        var parser = HTTPRequestParser()
        let headActions = feedParser(&parser, wireBytes("POST /api/webhooks/didww/cdr HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n"))
        guard headActions.count == 1, case .sendContinue(let head) = headActions[0] else {
            Issue.record("expected sendContinue, got \(headActions)")
            return
        }
        #expect(head.expectsContinue)
        #expect(head.target == "/api/webhooks/didww/cdr")
        #expect(head.framing == .contentLength(5))
        #expect(parser.phase == .body)
        let bodyActions = feedParser(&parser, wireBytes("hello"))
        #expect(parsedRequests(bodyActions).map(\.body) == [wireBytes("hello")])
    }

    @Test func expectContinueWithChunkedBody() {
        let actions = parseActions("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        #expect(actions.count == 2)
        if case .sendContinue = actions.first {} else { Issue.record("expected sendContinue first, got \(actions)") }
        #expect(parsedRequests(actions).map(\.body) == [wireBytes("abc")])
    }

    @Test func expectContinueOverTheLimitIsRejectedAtOnceWith413() throws {
        var limits = HTTPParserLimits()
        limits.maxBodyBytes = 100
        var parser = HTTPRequestParser(limits: limits)
        let actions = feedParser(&parser, wireBytes("POST /api/webhooks/stripe HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 101\r\n\r\n"))
        #expect(actions.count == 1)
        guard case .reject(let error) = actions.first else {
            Issue.record("expected a rejection, got \(actions)")
            return
        }
        #expect(error.status == 413)
        #expect(error.code == "payload_too_large")
        #expect(error.requestLine?.target == "/api/webhooks/stripe")
        #expect(error.requestLine?.method == "POST")
    }

    @Test(arguments: [
        "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
        "GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\nx",
    ])
    func expectationsWithoutAPendingBodyAreIgnored(wire: String) throws {
        let request = try #require(parseOnlyRequest(wire))
        #expect(!request.head.expectsContinue)
    }

    // MARK: Limits

    @Test func headAtExactlyTheLimitIsAccepted() throws {
        var limits = HTTPParserLimits()
        limits.maxHeaderBytes = 200
        let prefix = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: "
        let suffix = "\r\n\r\n"
        let exact = prefix + String(repeating: "a", count: 200 - prefix.utf8.count - suffix.utf8.count) + suffix
        #expect(exact.utf8.count == 200)
        _ = try #require(parseOnlyRequest(exact, limits: limits))
        let over = prefix + String(repeating: "a", count: 201 - prefix.utf8.count - suffix.utf8.count) + suffix
        let error = try #require(parseRejection(over, limits: limits))
        #expect(error.status == 431)
        #expect(error.code == "headers_too_large")
        #expect(error.requestLine?.target == "/")
    }

    @Test func headersAreLimitedByTheDefault16KiB() throws {
        let big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "b", count: 16 * 1024) + "\r\n\r\n"
        let error = try #require(parseRejection(big))
        #expect(error.status == 431)
    }

    @Test func headerWithoutLineEndIsRejectedOnceItPassesTheLimit() {
        var limits = HTTPParserLimits()
        limits.maxHeaderBytes = 64
        var parser = HTTPRequestParser(limits: limits)
        #expect(feedParser(&parser, wireBytes("GET / HTTP/1.1\r\nX: ") + Array(repeating: UInt8(ascii: "a"), count: 40)).isEmpty)
        let actions = feedParser(&parser, Array(repeating: UInt8(ascii: "a"), count: 10))
        guard case .reject(let error) = actions.last else {
            Issue.record("expected a rejection, got \(actions)")
            return
        }
        #expect(error.status == 431)
    }

    @Test func longRequestLineIsHeadersTooLarge() throws {
        var limits = HTTPParserLimits()
        limits.maxHeaderBytes = 100
        let error = try #require(parseRejection("GET /" + String(repeating: "p", count: 200) + " HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits))
        #expect(error.status == 431)
        #expect(error.requestLine == nil)
    }

    @Test func tooManyHeadersIs431() throws {
        var limits = HTTPParserLimits()
        limits.maxHeaderCount = 5
        let five = "GET / HTTP/1.1\r\nHost: h\r\n" + (1...4).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        _ = try #require(parseOnlyRequest(five, limits: limits))
        let six = "GET / HTTP/1.1\r\nHost: h\r\n" + (1...5).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        let error = try #require(parseRejection(six, limits: limits))
        #expect(error.status == 431)
        #expect(error.code == "headers_too_large")
    }

    @Test func bodyAtExactlyTheLimitIsAcceptedAndOneMoreIs413() throws {
        var limits = HTTPParserLimits()
        limits.maxBodyBytes = 10
        let ok = try #require(parseOnlyRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits))
        #expect(ok.body.count == 10)
        let error = try #require(parseRejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits))
        #expect(error.status == 413)
        #expect(error.code == "payload_too_large")
    }

    @Test func defaultBodyLimitIsOneMebibyte() throws {
        #expect(HTTPParserLimits().maxBodyBytes == 1_048_576)
        let error = try #require(parseRejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n"))
        #expect(error.status == 413)
    }

    @Test func hugeContentLengthIs413WithoutReadingOrAllocating() throws {
        let error = try #require(parseRejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999999999\r\n\r\n"))
        #expect(error.status == 413)
    }

    // MARK: Malformed requests

    static let malformed: [(String, String)] = [
        ("bare LF ends the request line", "GET / HTTP/1.1\nHost: h\r\n\r\n"),
        ("bare LF ends a header", "GET / HTTP/1.1\r\nHost: h\n\r\n"),
        ("bare LF ends the head", "GET / HTTP/1.1\r\nHost: h\r\n\n"),
        ("only bare LFs", "GET / HTTP/1.1\nHost: h\n\n"),
        ("bare CR in a header value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n"),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n  continued\r\n\r\n"),
        ("tab fold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tcontinued\r\n\r\n"),
        ("whitespace before the first header", "GET / HTTP/1.1\r\n Host: h\r\n\r\n"),
        ("space before colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n"),
        ("no colon", "GET / HTTP/1.1\r\nHost h\r\n\r\n"),
        ("empty header name", "GET / HTTP/1.1\r\nHost: h\r\n: value\r\n\r\n"),
        ("invalid character in name", "GET / HTTP/1.1\r\nHost: h\r\nX(A): v\r\n\r\n"),
        ("non-ASCII in name", "GET / HTTP/1.1\r\nHost: h\r\nX-\u{e9}: v\r\n\r\n"),
        ("NUL in value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{0}b\r\n\r\n"),
        ("DEL in value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{7f}b\r\n\r\n"),
        ("control in value", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{1b}b\r\n\r\n"),
        ("space in method", "G ET / HTTP/1.1\r\nHost: h\r\n\r\n"),
        ("empty method", " / HTTP/1.1\r\nHost: h\r\n\r\n"),
        ("double space", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n"),
        ("space in target", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"),
        ("non-ASCII target", "GET /caf\u{e9} HTTP/1.1\r\nHost: h\r\n\r\n"),
        ("tab separator", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"),
        ("trailing space after version", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n"),
        ("HTTP/0.9", "GET /\r\n\r\n"),
        ("HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n"),
        ("HTTP/1.2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n"),
        ("lower-case version", "GET / http/1.1\r\nHost: h\r\n\r\n"),
        ("relative target", "GET api HTTP/1.1\r\nHost: h\r\n\r\n"),
        ("authority form", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n"),
        ("asterisk for GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n"),
        ("not HTTP at all", "\u{16}\u{3}\u{1}\u{2}\u{0}\u{1}\r\n\r\n"),
        ("missing Host", "GET / HTTP/1.1\r\n\r\n"),
        ("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        ("Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
        ("Transfer-Encoding and Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
        ("letters in Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n"),
        ("negative Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"),
        ("plus sign Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\n"),
        ("hex Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n"),
        ("empty Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n"),
        ("spaced digits Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n"),
        ("conflicting Content-Length list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\nabcd"),
        ("conflicting Content-Length lines", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
        ("gzip transfer coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"),
        ("gzip then chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
        ("chunked twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
        ("chunked on two lines", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
        ("identity transfer coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n"),
        ("empty transfer coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n"),
        ("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ]

    @Test(arguments: malformed)
    func malformedRequestIsBadRequest(_ description: String, _ wire: String) throws {
        let error = try #require(parseRejection(wire), "\(description)")
        #expect(error.status == 400, "\(description): \(error)")
        #expect(error.code == "bad_request", "\(description)")
        #expect(error.kind == .badRequest, "\(description)")
    }

    @Test func errorsAfterTheRequestLineNameIt() throws {
        let error = try #require(parseRejection("POST /api/webhooks/voice HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n"))
        #expect(error.requestLine == HTTPRequestLine(method: "POST", target: "/api/webhooks/voice", version: .http1_1))
        let framing = try #require(parseRejection("POST /api/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"))
        #expect(framing.requestLine?.target == "/api/x")
        let line = try #require(parseRejection("GET /a b HTTP/1.1\r\n\r\n"))
        #expect(line.requestLine == nil)
    }

    // MARK: CONTRACT order: 431, then 400, then 413

    @Test func oversizedHeadWinsOverFramingErrors() throws {
        var limits = HTTPParserLimits()
        limits.maxHeaderBytes = 128
        let wire = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nX-Pad: "
            + String(repeating: "p", count: 100) + "\r\n\r\n"
        #expect(try #require(parseRejection(wire, limits: limits)).status == 431)
    }

    @Test func framingErrorsWinOverBodySize() throws {
        var limits = HTTPParserLimits()
        limits.maxBodyBytes = 10
        let both = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(try #require(parseRejection(both, limits: limits)).status == 400)
        let conflict = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\nContent-Length: 2000\r\n\r\n"
        #expect(try #require(parseRejection(conflict, limits: limits)).status == 400)
        let noHost = "POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n"
        #expect(try #require(parseRejection(noHost, limits: limits)).status == 400)
    }

    // MARK: After an error

    @Test func parserStaysFailedAfterAnError() {
        var parser = HTTPRequestParser()
        let first = feedParser(&parser, wireBytes("GET / HTTP/1.1\nHost: h\r\n\r\n"))
        #expect(first.count == 1)
        #expect(parser.phase == .failed)
        parser.read(wireBytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
        guard case .reject(let error) = parser.next() else {
            Issue.record("expected the same rejection again")
            return
        }
        #expect(error.status == 400)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func errorRendersTheContractJSONBody() throws {
        let error = try #require(parseRejection("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n"))
        let response = error.response
        #expect(response.status == 400)
        #expect(response.headers == [HTTPField(name: "Content-Type", value: "application/json")])
        let body = String(decoding: response.body, as: UTF8.self)
        #expect(body == "{\"error\": \"bad_request\", \"message\": \"\(error.message)\"}")
        #expect(error.description.hasPrefix("400 bad_request: "))
    }
}
