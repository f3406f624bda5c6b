import Foundation
import Server
import Testing

/// The transport with a real server on 127.0.0.1:0 and real clients: raw sockets for byte-exact cases, curl
/// for what a real HTTP client does.
@Suite(.serialized)
struct HTTPServerTests {
    @Test
    func curlGetAndPostReachTheHandler() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        let base = "http://127.0.0.1:\(server.port)"
        let getResult = try await curl(["\(base)/hello?x=1"])
        #expect(getResult.exitCode == 0)
        #expect(getResult.output == "GET /hello?x=1 body=0")
        let postResult = try await curl(["--data-binary", "@-", "\(base)/echo"], input: Array("payload".utf8))
        #expect(postResult.output == "payload")
        await server.shutdown()
    }

    @Test func curlChunkedUploadArrivesWhole() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        let payload = (0..<50_000).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        let result = try await curl(["-H", "Transfer-Encoding: chunked", "--data-binary", "@-", "http://127.0.0.1:\(server.port)/echo"],
                                    input: payload)
        #expect(result.exitCode == 0)
        let intact = result.output == String(decoding: payload, as: UTF8.self)
        #expect(intact, "got \(result.output.utf8.count) bytes back")
        await server.shutdown()
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        let port = server.port
        try await onThread {
            let client = try RawClient(port: port)
            for index in 0..<3 {
                try client.send(get("/r\(index)"))
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.body == "GET /r\(index) body=0")
                #expect(response.headers["connection"] == nil)
            }
        }
        await server.shutdown()
    }

    @Test
    func curlReusesTheConnectionForTwoURLs() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        let base = "http://127.0.0.1:\(server.port)"
        let result = try await curl(["--verbose", "\(base)/a", "\(base)/b"])
        #expect(result.exitCode == 0)
        #expect(result.output == "GET /a body=0GET /b body=0")
        #expect(result.log.contains("Re-using existing connection"))
        await server.shutdown()
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        // The first request is the slowest, so answering in completion order would show.
        let server = try HTTPServer(configuration: testConfiguration()) { request in
            if request.path == "/slow" { try? await Task.sleep(for: .milliseconds(100)) }
            return await echoHandler(request)
        }
        let port = server.port
        try await onThread {
            let client = try RawClient(port: port)
            try client.send(get("/slow") + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello" + get("/last", close: true))
            #expect(try client.readResponse().body == "GET /slow body=0")
            #expect(try client.readResponse().body == "hello")
            let last = try client.readResponse()
            #expect(last.body == "GET /last body=0")
            #expect(last.headers["connection"] == "close")
            #expect(try client.readEndOfFile())
        }
        await server.shutdown()
    }

    @Test func expectContinueGetsAnInterimResponseBeforeTheBody() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        let port = server.port
        try await onThread {
            let client = try RawClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            #expect(try client.read(count: HTTPResponse.continueBytes.count) == HTTPResponse.continueBytes)
            try client.send("body")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.body == "body")
        }
        await server.shutdown()
    }

    @Test
    func curlExpectContinueUpload() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        let result = try await curl(["--verbose", "-H", "Expect: 100-continue", "--data-binary", "@-",
                                     "http://127.0.0.1:\(server.port)/count"], input: body)
        #expect(result.exitCode == 0)
        #expect(result.log.contains("HTTP/1.1 100 Continue"))
        #expect(result.output == "POST /count body=4096")
        await server.shutdown()
    }

    @Test func oversizedDeclaredLengthIsAnswered413BeforeTheBodyAndClosedGracefully() async throws {
        let server = try HTTPServer(configuration: testConfiguration { $0.limits.maxBodyBytes = 1024 }, handler: echoHandler)
        let port = server.port
        try await onThread {
            let client = try RawClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1025\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.headers["connection"] == "close")
            #expect(response.body.contains("payload_too_large"))
            #expect(try client.readEndOfFile())  // FIN, not a reset
        }
        await server.shutdown()
    }

    @Test func clientThatSendsTheOversizedBodyAnywayStillReadsThe413() async throws {
        let server = try HTTPServer(configuration: testConfiguration { $0.limits.maxBodyBytes = 1024 }, handler: echoHandler)
        let port = server.port
        try await onThread {
            let client = try RawClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 200000\r\n\r\n")
            try client.send([UInt8](repeating: 0x61, count: 200_000))
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(try client.readEndOfFile())
        }
        await server.shutdown()
    }

    @Test
    func curlUploadOverTheLimitSees413() async throws {
        let server = try HTTPServer(configuration: testConfiguration { $0.limits.maxBodyBytes = 1024 }, handler: echoHandler)
        let result = try await curl(["--write-out", "%{http_code}", "-H", "Expect: 100-continue", "--data-binary", "@-",
                                     "http://127.0.0.1:\(server.port)/echo"],
                                    input: [UInt8](repeating: 0x61, count: 8192))
        #expect(result.exitCode == 0)
        #expect(result.output.hasSuffix("413"))
        #expect(result.output.contains("payload_too_large"))
        await server.shutdown()
    }

    @Test func oversizedHeadersGet431() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        let port = server.port
        try await onThread {
            let client = try RawClient(port: port)
            try client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 431)
            #expect(response.headers["connection"] == "close")
            #expect(response.body.contains("headers_too_large"))
            #expect(try client.readEndOfFile())
        }
        await server.shutdown()
    }

    @Test func garbageGets400AndTheConnectionCloses() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        let port = server.port
        try await onThread {
            let client = try RawClient(port: port)
            try client.send("\u{16}\u{03}\u{01} not http at all\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.body.contains("bad_request"))
            #expect(try client.readEndOfFile())
        }
        await server.shutdown()
    }

    @Test func largeResponseIsWrittenCompletely() async throws {
        let big = [UInt8](repeating: UInt8(ascii: "z"), count: 3_000_000)
        let server = try HTTPServer(configuration: testConfiguration()) { _ in HTTPResponse(status: 200, body: big) }
        let port = server.port
        try await onThread {
            let client = try RawClient(port: port)
            try client.send(get("/big") + get("/big"))
            #expect(try client.readResponse().body.utf8.count == 3_000_000)
            #expect(try client.readResponse().body.utf8.count == 3_000_000)
        }
        await server.shutdown()
    }
}
