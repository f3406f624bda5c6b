import Server
import Testing

@Suite struct HTTPResponseTests {
    func text(_ response: HTTPResponse, keepAlive: Bool, version: HTTPVersion = .http1_1) -> String {
        String(decoding: response.serialized(keepAlive: keepAlive, requestVersion: version), as: UTF8.self)
    }

    @Test func jsonResponseOnAKeptAliveConnection() {
        let response = HTTPResponse.json(status: 200, "{\"received\": true}")
        #expect(text(response, keepAlive: true)
            == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{\"received\": true}")
    }

    @Test func closingResponseSaysConnectionClose() {
        let response = HTTPParseError(.payloadTooLarge, "The request body is larger than 10 bytes.").response
        let body = "{\"error\": \"payload_too_large\", \"message\": \"The request body is larger than 10 bytes.\"}"
        #expect(text(response, keepAlive: false)
            == "HTTP/1.1 413 Content Too Large\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
    }

    @Test func http10KeepAliveIsSpelledOut() {
        #expect(text(HTTPResponse(status: 200), keepAlive: true, version: .http1_0)
            == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n")
    }

    @Test func framingHeadersFromTheCallerAreReplaced() {
        let response = HTTPResponse(status: 201, headers: [HTTPField(name: "content-length", value: "999"),
                                                          HTTPField(name: "Connection", value: "keep-alive"),
                                                          HTTPField(name: "Transfer-Encoding", value: "chunked"),
                                                          HTTPField(name: "X-Id", value: "num_1")],
                                    body: wireBytes("{}"))
        #expect(text(response, keepAlive: false)
            == "HTTP/1.1 201 Created\r\nX-Id: num_1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    }

    @Test func noContentHasNoBodyAndNoLength() {
        #expect(text(HTTPResponse(status: 204, body: wireBytes("ignored")), keepAlive: true) == "HTTP/1.1 204 No Content\r\n\r\n")
    }

    @Test func headerValuesCannotSplitTheResponse() {
        let response = HTTPResponse(status: 200, headers: [HTTPField(name: "X-Echo", value: "a\r\nSet-Cookie: x=1")])
        #expect(text(response, keepAlive: true) == "HTTP/1.1 200 OK\r\nX-Echo: a  Set-Cookie: x=1\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func errorBodyQuotesItsMessage() {
        #expect(HTTPResponse.errorBody(code: "bad_request", message: "a \"quoted\"\nline")
            == "{\"error\": \"bad_request\", \"message\": \"a \\\"quoted\\\"\\nline\"}")
    }

    @Test(arguments: [
        (HTTPParseError.Kind.headersTooLarge, 431, "headers_too_large", "Request Header Fields Too Large"),
        (.badRequest, 400, "bad_request", "Bad Request"),
        (.payloadTooLarge, 413, "payload_too_large", "Content Too Large"),
        (.invalidPayload, 400, "invalid_payload", "Bad Request"),
    ])
    func errorKindsKnowTheirStatusAndCode(kind: HTTPParseError.Kind, status: Int, code: String, reason: String) {
        let error = HTTPParseError(kind, "Message.")
        #expect(error.status == status)
        #expect(error.code == code)
        #expect(error.response.status == status)
        #expect(HTTPResponse.reasonPhrase(status) == reason)
    }

    @Test func continueIsAnInterimResponse() {
        #expect(String(decoding: HTTPResponse.continueBytes, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
    }
}
