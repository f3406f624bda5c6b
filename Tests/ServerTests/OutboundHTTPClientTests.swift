import Foundation
@testable import Server
import Testing

@Suite(.serialized) struct OutboundHTTPClientTests {
    @Test func keepAliveConnectionIsReusedForTheNextRequest() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        defer { Task { await server.shutdown() } }
        let client = HTTPClient()
        let url = "http://127.0.0.1:\(server.port)/echo"
        let first = try await client.execute(HTTPClientRequest(method: "POST", url: url, body: Array("one".utf8)))
        let second = try await client.execute(HTTPClientRequest(method: "POST", url: url, body: Array("two".utf8)))
        #expect(first.status == 200 && first.bodyText == "one")
        #expect(second.bodyText == "two")
        #expect(client.idleConnectionCount(for: url) == 1)
        #expect(server.openConnectionCount == 1)
    }

    @Test func getWithQueryReachesTheServerAsSent() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        defer { Task { await server.shutdown() } }
        let response = try await HTTPClient().execute(HTTPClientRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/a?filter%5Bx%5D=1"))
        #expect(response.bodyText == "GET /a?filter%5Bx%5D=1 body=0")
        #expect(response.header("content-length") == "29")
    }

    @Test func slowServerHitsTheReadTimeout() async throws {
        let server = try HTTPServer(configuration: testConfiguration()) { _ in
            try? await Task.sleep(for: .seconds(2))
            return HTTPResponse(status: 200)
        }
        defer { Task { await server.shutdown() } }
        let client = HTTPClient(configuration: HTTPClientConfiguration(readTimeout: .milliseconds(200)))
        await #expect(throws: HTTPClientError.io(.timedOut(.read))) {
            _ = try await client.execute(HTTPClientRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/"))
        }
    }

    @Test func totalTimeoutBoundsTheWholeExchange() async throws {
        let server = try HTTPServer(configuration: testConfiguration()) { _ in
            try? await Task.sleep(for: .seconds(2))
            return HTTPResponse(status: 200)
        }
        defer { Task { await server.shutdown() } }
        let client = HTTPClient()
        let request = HTTPClientRequest(method: "GET", url: "http://127.0.0.1:\(server.port)/", timeout: .milliseconds(150))
        await #expect(throws: HTTPClientError.io(.timedOut(.total))) { _ = try await client.execute(request) }
    }

    @Test func refusedConnectionIsARetryableProviderError() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        let port = server.port
        await server.shutdown()
        do {
            _ = try await HTTPClient().execute(HTTPClientRequest(method: "GET", url: "http://127.0.0.1:\(port)/"))
            Issue.record("expected a connection failure")
        } catch {
            #expect(ProviderError.transport(error, provider: "test").isRetryable)
        }
    }

    @Test func urlsAreSplitIntoOriginAndTarget() {
        let url = HTTPClientURL("https://api.example.com/v3/orders?x=1#frag")
        #expect(url?.isTLS == true && url?.host == "api.example.com" && url?.port == 443 && url?.target == "/v3/orders?x=1")
        #expect(HTTPClientURL("http://[::1]:8080")?.host == "::1")
        #expect(HTTPClientURL("http://127.0.0.1:8080")?.target == "/")
        #expect(HTTPClientURL("ftp://x") == nil)
        #expect(HTTPClientURL("http://h:0/") == nil)
    }

    @Test func tlsWithTrustedCertificateSucceeds() async throws {
        let certificates = try await TestCertificates.make()
        let server = try await TLSTestServer(certificates: certificates)
        defer { server.stop() }
        let client = HTTPClient(configuration: HTTPClientConfiguration(caFile: certificates.caFile))
        let response = try await client.execute(HTTPClientRequest(method: "GET", url: "https://localhost:\(server.port)/"))
        #expect(response.status == 200)
        let byAddress = try await client.execute(HTTPClientRequest(method: "GET", url: "https://127.0.0.1:\(server.port)/"))
        #expect(byAddress.status == 200)
    }

    @Test func tlsWithUnknownIssuerIsRefused() async throws {
        let certificates = try await TestCertificates.make()
        let server = try await TLSTestServer(certificates: certificates)
        defer { server.stop() }
        do {
            _ = try await HTTPClient().execute(HTTPClientRequest(method: "GET", url: "https://localhost:\(server.port)/"))
            Issue.record("an unknown issuer must be refused")
        } catch {
            #expect(Self.certificateReason(error)?.contains("issuer") == true, "\(error)")
        }
    }

    @Test func tlsWithCertificateForAnotherNameIsRefused() async throws {
        let certificates = try await TestCertificates.make(names: "DNS:other.example")
        let server = try await TLSTestServer(certificates: certificates)
        defer { server.stop() }
        let client = HTTPClient(configuration: HTTPClientConfiguration(caFile: certificates.caFile))
        do {
            _ = try await client.execute(HTTPClientRequest(method: "GET", url: "https://localhost:\(server.port)/"))
            Issue.record("a certificate for another host must be refused")
        } catch {
            #expect(Self.certificateReason(error)?.contains("mismatch") == true, "\(error)")
        }
    }

    static func certificateReason(_ error: HTTPClientError) -> String? {
        if case .io(.certificate(let reason)) = error { return reason }
        return nil
    }
}
