import Server
import Testing

@Suite struct HTTPChunkedTests {
    static let head = "POST /api/webhooks/voice HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"

    @Test func chunksAreJoinedIntoTheBody() throws {
        let request = try #require(parseOnlyRequest(Self.head + "5\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n"))
        #expect(request.body == wireBytes("hello 0123456789abcdefghij"))
        #expect(request.head.framing == .chunked)
        #expect(request.trailers.isEmpty)
    }

    @Test func leadingZerosAndUpperCaseHex() throws {
        let request = try #require(parseOnlyRequest(Self.head + "0000000000000003\r\nabc\r\n0F\r\n0123456789abcde\r\n000\r\n\r\n"))
        #expect(request.body == wireBytes("abc0123456789abcde"))
    }

    @Test func zeroChunkAloneIsAnEmptyBody() throws {
        let request = try #require(parseOnlyRequest(Self.head + "0\r\n\r\n"))
        #expect(request.body.isEmpty)
    }

    @Test func transferEncodingIsCaseInsensitive() throws {
        let request = try #require(parseOnlyRequest("POST / HTTP/1.1\r\nHost: h\r\ntransfer-encoding:  Chunked \r\n\r\n1\r\nx\r\n0\r\n\r\n"))
        #expect(request.body == wireBytes("x"))
    }

    @Test(arguments: [
        "5;name\r\nhello\r\n0\r\n\r\n",
        "5;name=value\r\nhello\r\n0\r\n\r\n",
        "5 ; a ; b = c\r\nhello\r\n0\r\n\r\n",
        "5;q=\"quoted; \\\"value\\\" here\"\r\nhello\r\n0;last=yes\r\n\r\n",
        "5\t;tab=1\r\nhello\r\n0\r\n\r\n",
    ])
    func chunkExtensionsAreAcceptedAndDropped(chunks: String) throws {
        let request = try #require(parseOnlyRequest(Self.head + chunks))
        #expect(request.body == wireBytes("hello"))
    }

    @Test func trailersAreKeptApartFromHeaders() throws {
        let request = try #require(parseOnlyRequest(Self.head + "3\r\nabc\r\n0\r\nX-Checksum: 123\r\nX-Other:  two \r\n\r\n"))
        #expect(request.body == wireBytes("abc"))
        #expect(request.trailers.map(\.name) == ["X-Checksum", "X-Other"])
        #expect(request.trailers["x-checksum"] == "123")
        #expect(request.trailers["x-other"] == "two")
        #expect(request.headers["x-checksum"] == nil)
    }

    @Test func chunkedRequestIsFollowedByAPipelinedOne() {
        let parsed = parsedRequests(parseActions(Self.head + "2\r\nab\r\n0\r\nT: 1\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(parsed.map(\.target) == ["/api/webhooks/voice", "/next"])
        #expect(parsed.map(\.body) == [wireBytes("ab"), []])
    }

    static let malformedChunks: [(String, String)] = [
        ("bad hex", "zz\r\nhello\r\n0\r\n\r\n"),
        ("hex prefix", "0x5\r\nhello\r\n0\r\n\r\n"),
        ("empty size", "\r\nhello\r\n0\r\n\r\n"),
        ("negative size", "-5\r\nhello\r\n0\r\n\r\n"),
        ("leading space", " 5\r\nhello\r\n0\r\n\r\n"),
        ("trailing space without extension", "5 \r\nhello\r\n0\r\n\r\n"),
        ("semicolon without name", "5;\r\nhello\r\n0\r\n\r\n"),
        ("extension without name", "5;=x\r\nhello\r\n0\r\n\r\n"),
        ("extension with empty value", "5;a=\r\nhello\r\n0\r\n\r\n"),
        ("unterminated quoted extension", "5;a=\"x\r\nhello\r\n0\r\n\r\n"),
        ("control character in extension", "5;a=\u{1}\r\nhello\r\n0\r\n\r\n"),
        ("bare LF after size", "5\nhello\r\n0\r\n\r\n"),
        ("data longer than its size", "3\r\nhello\r\n0\r\n\r\n"),
        ("data not followed by CRLF", "5\r\nhelloXY0\r\n\r\n"),
        ("bare LF after data", "5\r\nhello\n0\r\n\r\n"),
        ("obs-fold in trailers", "0\r\nX-A: a\r\n b\r\n\r\n"),
        ("malformed trailer", "0\r\nnot a field\r\n\r\n"),
        ("bare LF in trailers", "0\r\nX-A: a\n\r\n"),
        ("bare LF ends trailers", "0\r\n\n"),
    ]

    @Test(arguments: malformedChunks)
    func malformedChunkingIsBadRequest(_ description: String, _ chunks: String) throws {
        let error = try #require(parseRejection(Self.head + chunks), "\(description)")
        #expect(error.status == 400, "\(description): \(error)")
        #expect(error.code == "bad_request", "\(description)")
        #expect(error.requestLine?.target == "/api/webhooks/voice", "\(description)")
    }

    @Test func overlongChunkSizeLineIsBadRequest() throws {
        let error = try #require(parseRejection(Self.head + "5;" + String(repeating: "x", count: 2000) + "\r\nhello\r\n0\r\n\r\n"))
        #expect(error.status == 400)
    }

    @Test func manyExtensionsTogetherHitTheExtensionBudget() throws {
        var limits = HTTPParserLimits()
        limits.maxChunkExtensionBytes = 100
        let chunk = "1;" + String(repeating: "e", count: 40) + "\r\nx\r\n"
        _ = try #require(parseOnlyRequest(Self.head + chunk + chunk + "0\r\n\r\n", limits: limits))
        let error = try #require(parseRejection(Self.head + chunk + chunk + chunk + "0\r\n\r\n", limits: limits))
        #expect(error.status == 400)
    }

    @Test(arguments: ["FFFFFFFFFFFFFFFFFFFF", "7FFFFFFFFFFFFFFF", "10000000000000000", "100001"])
    func oversizedChunkIs413BeforeItsDataIsRead(size: String) throws {
        // The data itself is never sent: the answer comes from the size line alone.
        let error = try #require(parseRejection(Self.head + size + "\r\n"))
        #expect(error.status == 413, "\(size)")
        #expect(error.code == "payload_too_large")
        #expect(error.requestLine?.target == "/api/webhooks/voice")
    }

    @Test func runningTotalOfChunksIsCheckedAgainstTheLimit() throws {
        var limits = HTTPParserLimits()
        limits.maxBodyBytes = 10
        _ = try #require(parseOnlyRequest(Self.head + "5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n", limits: limits))
        var parser = HTTPRequestParser(limits: limits)
        let actions = feedParser(&parser, wireBytes(Self.head + "5\r\n12345\r\n5\r\n67890\r\n1\r\n"))
        guard case .reject(let error) = actions.last else {
            Issue.record("expected a rejection, got \(actions)")
            return
        }
        #expect(error.status == 413)
    }

    @Test func malformedSizeWinsOverTooLargeSize() throws {
        let error = try #require(parseRejection(Self.head + "FFFFFFFFFFFFFFFFFFFF;\r\n"))
        #expect(error.status == 400)
    }

    @Test func trailerLimitsAreHeaderLimits() throws {
        var limits = HTTPParserLimits()
        limits.maxHeaderCount = 3
        limits.maxHeaderBytes = 200
        let many = Self.head + "0\r\n" + (1...4).map { "T-\($0): v\r\n" }.joined() + "\r\n"
        #expect(try #require(parseRejection(many, limits: limits)).status == 431)
        let large = Self.head + "0\r\nT: " + String(repeating: "v", count: 300) + "\r\n\r\n"
        #expect(try #require(parseRejection(large, limits: limits)).status == 431)
    }

    @Test func incompleteChunkedBodyWaitsForMore() {
        var parser = HTTPRequestParser()
        #expect(feedParser(&parser, wireBytes(Self.head + "5\r\nhel")).isEmpty)
        #expect(parser.phase == .body)
        #expect(feedParser(&parser, wireBytes("lo\r\n0\r\n")).isEmpty)
        #expect(parsedRequests(feedParser(&parser, wireBytes("\r\n"))).map(\.body) == [wireBytes("hello")])
    }
}
