import Foundation
import Server
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Deadlines, limits, load and shutdown of the transport, with a real server and real sockets. Timeouts are
/// shortened (0.3 s); the sleeps here are the deliberate slowness of a slow client or handler.
@Suite(.serialized)
struct HTTPServerLifecycleTests {
    static let short = Duration.milliseconds(300)

    @Test func clientWithAnIncompleteHeadIsAnswered408AfterTheHeaderTimeout() async throws {
        let server = try HTTPServer(configuration: testConfiguration { $0.headerTimeout = Self.short }, handler: echoHandler)
        let port = server.port
        try await onThread {
            let client = try RawClient(port: port)
            let start = ContinuousClock.now
            try client.send("GET / HTTP/1.1\r\nHost: t\r\n")
            let response = try client.readResponse()
            let elapsed = ContinuousClock.now - start
            #expect(response.status == 408)
            #expect(response.headers["connection"] == "close")
            #expect(try client.readEndOfFile())
            #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(3))
        }
        await server.shutdown()
        #expect(server.openConnectionCount == 0)
    }

    @Test func aSlowClientIsCutOffWhileOthersAreServed() async throws {
        // The deadline leaves room for a loaded machine to serve the others; they must not wait for it.
        let server = try HTTPServer(configuration: testConfiguration { $0.headerTimeout = .seconds(4) }, handler: echoHandler)
        let port = server.port
        try await onThread {
            let slow = try RawClient(port: port)
            try slow.send("POST /slow HTTP/1.1\r\nHost: t\r\nContent-")  // never finishes its headers
            let start = ContinuousClock.now
            // Meanwhile other clients get their answers at once, many times over.
            for index in 0..<20 {
                let other = try RawClient(port: port)
                try other.send(get("/fast\(index)", close: true))
                let response = try other.readResponse()
                #expect(response.status == 200 && response.body == "GET /fast\(index) body=0")
            }
            #expect(ContinuousClock.now - start < .seconds(4), "others waited for the slow client")
            let cut = try slow.readResponse()
            #expect(cut.status == 408)
            #expect(try slow.readEndOfFile())
        }
        await server.shutdown()
    }

    @Test func tricklingBytesDoesNotExtendTheHeaderDeadline() async throws {
        let server = try HTTPServer(configuration: testConfiguration { $0.headerTimeout = Self.short }, handler: echoHandler)
        let port = server.port
        let elapsed = try await onThread { () -> Duration in
            let client = try RawClient(port: port)
            let start = ContinuousClock.now
            let head = Array("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: \(String(repeating: "s", count: 40))".utf8)
            for byte in head {  // one byte every 50 ms: the whole head would take 3 s
                guard (try? client.send([byte])) != nil else { break }
                usleep(50_000)
                if ContinuousClock.now - start > .seconds(1) { break }
            }
            #expect(try client.readUntilEndOfFile().hasPrefix("HTTP/1.1 408"))
            return ContinuousClock.now - start
        }
        #expect(elapsed < .seconds(2))
        await server.shutdown()
    }

    @Test func connectionThatNeverSendsIsClosedSilentlyAfterTheHeaderTimeout() async throws {
        let server = try HTTPServer(configuration: testConfiguration { $0.headerTimeout = Self.short }, handler: echoHandler)
        let port = server.port
        try await onThread {
            let client = try RawClient(port: port)
            #expect(try client.readUntilEndOfFile() == "")
        }
        #expect(await eventually { server.openConnectionCount == 0 })
        await server.shutdown()
    }

    @Test func idleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let server = try HTTPServer(configuration: testConfiguration { $0.idleTimeout = Self.short }, handler: echoHandler)
        let port = server.port
        try await onThread {
            let client = try RawClient(port: port)
            try client.send(get("/"))
            #expect(try client.readResponse().status == 200)
            let start = ContinuousClock.now
            #expect(try client.readEndOfFile())
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(3))
        }
        await server.shutdown()
    }

    @Test func manyConcurrentClientsAreAllServed() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        let port = server.port
        let clients = 200
        let rounds = 5
        try await onThread {
            let connections = try (0..<clients).map { _ in try RawClient(port: port) }
            for round in 0..<rounds {
                for (index, connection) in connections.enumerated() { try connection.send(get("/c\(index)/r\(round)")) }
                for (index, connection) in connections.enumerated() {
                    let response = try connection.readResponse()
                    #expect(response.body == "GET /c\(index)/r\(round) body=0")
                }
            }
            #expect(server.openConnectionCount == clients)
        }
        #expect(await eventually { server.openConnectionCount == 0 })
        await server.shutdown()
    }

    @Test func connectionsOverTheLimitAreClosedAtOnce() async throws {
        let server = try HTTPServer(configuration: testConfiguration { $0.maxConnections = 2 }, handler: echoHandler)
        let port = server.port
        try await onThread {
            var first: RawClient? = try RawClient(port: port)
            let second = try RawClient(port: port)
            for client in [first!, second] {
                try client.send(get("/"))
                #expect(try client.readResponse().status == 200)
            }
            let third = try RawClient(port: port)
            let refused = (try? third.readEndOfFile()) ?? true  // FIN or reset, but no answer and no wait
            #expect(refused)
            #expect(server.openConnectionCount == 2)
            first = nil  // frees a slot
            _ = first
        }
        #expect(await eventually { server.openConnectionCount < 2 })
        try await onThread {
            let fourth = try RawClient(port: port)
            try fourth.send(get("/again"))
            #expect(try fourth.readResponse().body == "GET /again body=0")
        }
        await server.shutdown()
    }

    @Test func shutdownLetsAnInFlightRequestFinishAndClosesIdleConnections() async throws {
        let started = Mutex(false)
        let server = try HTTPServer(configuration: testConfiguration()) { request in
            if request.path == "/slow" {
                started.withLock { $0 = true }
                try? await Task.sleep(for: .milliseconds(300))
            }
            return await echoHandler(request)
        }
        let port = server.port
        let idle = try RawClient(port: port)
        let busy = try RawClient(port: port)
        try await onThread {
            try idle.send(get("/"))
            #expect(try idle.readResponse().status == 200)
            try busy.send(get("/slow"))
        }
        #expect(await eventually { started.withLock { $0 } })
        let stopping = Task { await server.shutdown() }
        try await onThread {
            #expect(try idle.readEndOfFile())
            let response = try busy.readResponse()
            #expect(response.status == 200)
            #expect(response.body == "GET /slow body=0")
            #expect(response.headers["connection"] == "close")
            #expect(try busy.readEndOfFile())
            busy.close()  // otherwise the server drains this connection for drainTimeout before it stops
        }
        await stopping.value
        #expect(server.openConnectionCount == 0)
        #expect(throws: ClientError.self) { try RawClient(port: port) }  // no longer listening
    }

    @Test func shutdownClosesARequestThatOutlivesTheGracePeriod() async throws {
        let server = try HTTPServer(configuration: testConfiguration { $0.shutdownGracePeriod = .milliseconds(200) }) { _ in
            try? await Task.sleep(for: .seconds(3))
            return HTTPResponse(status: 200)
        }
        let client = try RawClient(port: server.port)
        try client.send(get("/forever"))
        #expect(await eventually { server.openConnectionCount == 1 })
        let start = ContinuousClock.now
        await server.shutdown()
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(server.openConnectionCount == 0)
        #expect(try await onThread { try client.readUntilEndOfFile() } == "")
    }

    @Test func shutdownSignalsForwardASignalToTheCallback() async throws {
        let received = Mutex<[Int32]>([])
        let signals = try ShutdownSignals.install(signals: [SIGUSR2]) { signo in received.withLock { $0.append(signo) } }
        kill(getpid(), SIGUSR2)
        #expect(await eventually { received.withLock { $0 } == [SIGUSR2] })
        signals.cancel()
    }

    @Test func signalDrivenShutdownStopsTheServer() async throws {
        let server = try HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        let stopped = Flag()
        let signals = try ShutdownSignals.install(signals: [SIGUSR2]) { _ in
            Task {
                await server.shutdown()
                stopped.set()
            }
        }
        kill(getpid(), SIGUSR2)
        #expect(await eventually { stopped.isSet })
        signals.cancel()
        await server.shutdown()
        #expect(throws: ClientError.self) { try RawClient(port: server.port) }
    }

    @Test func listenAddressParsing() {
        #expect(HTTPServerConfiguration.parseListenAddress("127.0.0.1:8080")! == ("127.0.0.1", 8080))
        #expect(HTTPServerConfiguration.parseListenAddress("0.0.0.0:0")! == ("0.0.0.0", 0))
        #expect(HTTPServerConfiguration.parseListenAddress("localhost:80") == nil)
        #expect(HTTPServerConfiguration.parseListenAddress("127.0.0.1:99999") == nil)
        #expect(HTTPServerConfiguration.parseListenAddress("127.0.0.1") == nil)
    }
}
